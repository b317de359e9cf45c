using Rampart.Core.Matching;
using Rampart.Testing;

namespace Rampart.Core.Tests.Matching;

/// <remarks>
/// shellparse.yaml `restrictive_aliases` is the POL-085 alias procedure applied to the input itself,
/// without the POL-085 gate: `  ls  -la  ` lists `ls -la` and `FOO=bar` lists `foo=bar` although
/// neither first word has a directory part or is rm/find/busybox/toybox. It contains no body forms
/// (POL-084), no canonical aliases (POL-088, listed separately), no Normalize(k) (SP-152 lists
/// `dir C:Temp` but not `DIR C:\Temp`) and no dialect readings (POL-086: SP-147 lacks `cmd /c whoami`).
/// So the data is checked against <see cref="ShellForms.SemanticAliasSpellings"/>; the public
/// <see cref="ShellForms.SemanticAliases"/> applies the gate the matcher needs.
/// </remarks>
public sealed class ShellFormsTests
{
    public static TheoryData<string> FormCases => ShellParseVectors.Ids(c => c.Map("forms") is not null);

    [Theory]
    [MemberData(nameof(FormCases))]
    public void Restrictive_aliases_form_is_the_ungated_semantic_alias_list(string id)
    {
        var c = ShellParseVectors.Case(id);
        var input = c.Str("input");
        var expected = ShellParseVectors.Strings(c.Map("forms")!, "restrictive_aliases");
        Assert.Equal(expected, ShellForms.SemanticAliasSpellings(input));
        Assert.Equal(ShellForms.NeedsSemanticAliases(input) ? expected : [], ShellForms.SemanticAliases(input));
    }

    [Theory]
    [MemberData(nameof(FormCases))]
    public void Canonical_aliases_form_matches_upstream(string id)
    {
        var c = ShellParseVectors.Case(id);
        var aliases = ShellForms.CanonicalRmAliases(c.Str("input"), out var overflow);
        Assert.Equal(ShellParseVectors.Strings(c.Map("forms")!, "canonical_aliases"), aliases);
        Assert.False(overflow);
    }

    [Theory]
    [MemberData(nameof(FormCases))]
    public void Env_assignment_names_form_matches_upstream(string id)
    {
        var c = ShellParseVectors.Case(id);
        Assert.Equal(ShellParseVectors.Strings(c.Map("forms")!, "env_assignment_names"), ShellForms.EnvAssignmentNames(c.Str("input")));
    }

    [Theory]
    [InlineData("/bin/rm -rf /", true)]
    [InlineData("RM -rf /", true)]
    [InlineData("C:\\tools\\x.exe", true)]
    [InlineData("busybox rm x", true)]
    [InlineData("bash <<< 'rm -rf /'", true)]
    [InlineData("bash -c 'rm -rf /'", false)]
    [InlineData("ls -la", false)]
    [InlineData("", false)]
    public void Semantic_aliases_are_gated_on_the_first_word(string command, bool expected) =>
        Assert.Equal(expected, ShellForms.NeedsSemanticAliases(command));

    [Theory]
    [InlineData("/bin/rm -rf /", new[] { "rm -rf /" })]
    [InlineData("busybox rm -rf /", new[] { "rm -rf /" })]
    [InlineData("TOYBOX -x rm", new[] { "toybox -x rm" })]
    [InlineData("toybox -x rm", new string[0])]
    [InlineData("RM -rf /", new[] { "rm -rf /" })]
    [InlineData("bash <<< 'rm -rf /'", new[] { "bash <<< rm -rf /", "rm -rf /" })]
    [InlineData("/bin/rm -rf / # rm -rf /home", new[] { "rm -rf /" })]
    [InlineData("find . && /bin/rm x", new[] { "find .", "rm x" })]
    public void Semantic_aliases_lower_case_the_base_name_and_expose_here_strings(string command, string[] expected) =>
        Assert.Equal(expected, ShellForms.SemanticAliases(command));

    [Theory]
    [InlineData("(rm -rf /)", new[] { "rm -rf /" })]
    [InlineData("{ rm -rf /; }", new[] { "rm -rf /;" })]
    [InlineData("if rm -rf /; then true; fi", new[] { "rm -rf /; then true;" })]
    [InlineData("while true; do rm -rf /; DONE", new[] { "true; do rm -rf /;" })]
    [InlineData("! ( IF  rm x ) )", new[] { "rm x" })]
    [InlineData("case x in x) rm -rf /;; esac", new[] { "rm -rf /;;" })]
    [InlineData("case ')' in x) y;; esac", new[] { "y;;" })]
    [InlineData("echo '(rm -rf /)'", new string[0])]
    [InlineData("ifconfig", new string[0])]
    [InlineData("( )", new string[0])]
    public void Body_forms_expose_grouped_and_conditional_commands(string command, string[] expected) =>
        Assert.Equal(expected, ShellForms.BodyForms(command));

    [Fact]
    public void Restrictive_candidates_list_command_body_forms_and_components_once()
    {
        Assert.Equal(
            ["if rm -rf /; then true; fi", "rm -rf /; then true;", "if rm -rf /", "rm -rf /", "then true", "true", "fi"],
            ShellForms.RestrictiveCandidates("if rm -rf /; then true; fi"));
        Assert.Equal(["echo $(id)", "id"], ShellForms.RestrictiveCandidates("  echo $(id)  "));
        Assert.Empty(ShellForms.RestrictiveCandidates("  "));
    }

    [Theory]
    [InlineData("rm -fr //", new[] { "rm -rf /" })]
    [InlineData("rm -r -f /tmp/../ ./x ../a/../.. sub/", new[] { "rm -rf /", "rm -rf ./x", "rm -rf ../..", "rm -rf sub/" })]
    [InlineData("rm --recursive --force -- -x / 2>/dev/null", new[] { "rm -rf -x", "rm -rf /" })]
    [InlineData("rm -rf > / x", new[] { "rm -rf x" })]
    [InlineData("rm -rf '>' \\> /", new[] { "rm -rf =", "rm -rf /" })]
    [InlineData("rm -f /", new string[0])]
    [InlineData("rm -rf '#' / # /home", new[] { "rm -rf #", "rm -rf /" })]
    [InlineData("FOO=1 rm -rf /", new string[0])]
    [InlineData("sudo rm -rf /", new string[0])]
    [InlineData("nice -n 5 busybox rm -rf /etc", new[] { "rm -rf /etc" })]
    [InlineData("/bin/RM -rf /", new string[0])] // Linux gate: no lower-case rm/find, no quotes
    [InlineData("/bin/RM -rf '/'", new[] { "rm -rf /" })]
    [InlineData("find /tmp // -delete", new[] { "rm -rf /tmp", "rm -rf /" })]
    [InlineData("find -delete", new[] { "rm -rf ." })]
    [InlineData("find -L -O2 -D x /a -- /b -name x -delete", new[] { "rm -rf /a", "rm -rf /b" })]
    [InlineData("find /a /b -exec rm -rf {}/.. \\; -execdir env rm -rf /x +", new[] { "rm -rf /", "rm -rf /x" })]
    [InlineData("find /a -exec rm -rf {} \\;", new[] { "rm -rf /a" })]
    [InlineData("find /a -exec rm -rf {}", new string[0])]
    [InlineData("ls /", new string[0])]
    public void Canonical_aliases_expose_destructive_rm_and_find_operands(string command, string[] expected)
    {
        Assert.Equal(expected, ShellForms.CanonicalRmAliases(command, out var overflow));
        Assert.False(overflow);
    }

    [Fact]
    public void Canonical_aliases_stop_at_256_and_report_overflow()
    {
        var exactly = "rm -rf " + string.Join(' ', Enumerable.Range(0, 256).Select(i => "/d" + i));
        Assert.Equal(256, ShellForms.CanonicalRmAliases(exactly, out var atLimit).Count);
        Assert.False(atLimit);

        var over = "rm -rf " + string.Join(' ', Enumerable.Range(0, 257).Select(i => "/d" + i));
        var aliases = ShellForms.CanonicalRmAliases(over, out var overflow);
        Assert.True(overflow);
        Assert.Equal(256, aliases.Count);
        Assert.Equal("rm -rf /d255", aliases[^1]);
    }

    [Fact]
    public void Canonical_aliases_do_not_count_duplicates_towards_the_limit()
    {
        var repeated = "rm -rf " + string.Join(' ', Enumerable.Repeat("/", 300));
        Assert.Equal(["rm -rf /"], ShellForms.CanonicalRmAliases(repeated, out var overflow));
        Assert.False(overflow);
    }

    [Fact]
    public void Alternate_readings_try_cmd_for_carets_and_powershell_for_backticks()
    {
        Assert.Equal(["del /q x", "d^el /q x"], ShellForms.AlternateReadings("d^el /q x"));
        Assert.Equal(["IEX (x)", "I`EX (x)"], ShellForms.AlternateReadings("I`EX (x)"));
        Assert.Empty(ShellForms.AlternateReadings("rm -rf /"));
    }

    [Fact]
    public void Alternate_readings_for_a_cmd_wrapper_include_segments_and_subcommands()
    {
        Assert.Equal(
            ["echo a & del b $(x)", "echo a", "del b $(x)", "cmd /c \"echo a & del b\" $(x)", "x"],
            ShellForms.AlternateReadings("cmd /c \"echo a & del b\" $(x)"));
    }

    [Fact]
    public void Alternate_readings_follow_the_dialect_order_of_pol_086()
    {
        // cmd.exe first (quote + ampersand), then PowerShell (back-tick).
        Assert.Equal(
            ["echo 'a && b' `x", "echo 'a", "b' `x", "echo a & b x", "echo a", "b x", "echo 'a & b' `x"],
            ShellForms.AlternateReadings("echo 'a & b' `x"));
    }

    [Theory]
    [InlineData("export A=1 -x B=2 C", new[] { "A", "B" })]
    [InlineData("declare -x D=1", new[] { "D" })]
    [InlineData("env -i -u X --unset Y --unset=Z -- E=1 F=2 ls G=3", new[] { "E", "F" })]
    [InlineData("printf 'LD_PRELOAD=%s'", new string[0])]
    [InlineData("set FOO=1", new[] { "FOO" })]
    [InlineData("SETX /M \"BAR=1\"", new[] { "BAR" })]
    [InlineData("set /a", new string[0])]
    [InlineData("$env:LD_PRELOAD='x'", new[] { "LD_PRELOAD" })]
    [InlineData("${env:PATH} = 'x'", new[] { "PATH" })]
    [InlineData("$env:PATH", new string[0])]
    [InlineData("[Environment]::SetEnvironmentVariable('ONE', 'x')", new[] { "ONE" })]
    [InlineData("[System.Environment]::SetEnvironmentVariable(\"TWO\",'x')", new[] { "TWO" })]
    [InlineData("Set-Item -Path env:THREE -Value x", new[] { "THREE" })]
    [InlineData("new-item env:FOUR", new[] { "FOUR" })]
    [InlineData("echo $(A=1 x) `B=2 y`", new[] { "A", "B" })]
    [InlineData("bash -c 'cmd /c set C=1'", new[] { "C" })]
    public void Env_assignment_names_cover_posix_cmd_and_powershell(string command, string[] expected) =>
        Assert.Equal(expected, ShellForms.EnvAssignmentNames(command));

    [Fact]
    public void Env_assignment_names_recurse_four_levels_deep()
    {
        Assert.Equal(["A"], ShellForms.EnvAssignmentNames("echo $(echo $(echo $(echo $(echo $(A=1 x)))))"));
        Assert.Equal(["A"], ShellForms.EnvAssignmentNames(BashC(4, "A=1 x")));
        Assert.Empty(ShellForms.EnvAssignmentNames(BashC(5, "A=1 x")));
    }

    static string BashC(int levels, string command)
    {
        for (var i = 0; i < levels; i++)
            command = "bash -c \"" + command.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
        return command;
    }
}
