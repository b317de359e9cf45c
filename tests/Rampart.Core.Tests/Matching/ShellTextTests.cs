using System.Globalization;
using Rampart.Core.Matching;
using Rampart.Testing;

namespace Rampart.Core.Tests.Matching;

public sealed class ShellTextTests
{
    public static TheoryData<string> OpCases => ShellParseVectors.Ids(_ => true);
    public static TheoryData<string> FormCases => ShellParseVectors.Ids(c => c.Map("forms") is not null);

    [Theory]
    [MemberData(nameof(OpCases))]
    public void Conformance_op_gives_upstream_result(string id)
    {
        var c = ShellParseVectors.Case(id);
        var input = c.Str("input");
        var dialect = ShellParseVectors.Dialect(c);
        switch (c.Str("op"))
        {
            case "normalize":
                Assert.Equal(c.Str("expect"), ShellText.Normalize(input, dialect));
                break;
            case "split":
                Assert.Equal(ShellParseVectors.Strings(c, "expect"), ShellText.Split(input, dialect));
                break;
            case "extract_subcommands":
                Assert.Equal(ShellParseVectors.Strings(c, "expect"), ShellText.ExtractSubcommands(input));
                break;
            case "sanitize":
                Assert.Equal(c.Str("expect"), ShellText.Sanitize(input));
                break;
            default:
                Assert.Fail($"{id}: unknown op {c.Str("op")}");
                break;
        }
    }

    [Theory]
    [MemberData(nameof(FormCases))]
    public void Sanitized_form_matches_upstream(string id)
    {
        var c = ShellParseVectors.Case(id);
        var forms = c.Map("forms")!;
        // `sanitized` is listed only when it differs from the input.
        var expected = forms.ContainsKey("sanitized") ? forms.Str("sanitized") : c.Str("input");
        Assert.Equal(expected, ShellText.Sanitize(c.Str("input")));
    }

    [Theory]
    [MemberData(nameof(FormCases))]
    public void Segments_form_is_the_posix_split_of_the_raw_input(string id)
    {
        var c = ShellParseVectors.Case(id);
        Assert.Equal(ShellParseVectors.Strings(c.Map("forms")!, "segments"), ShellText.Split(c.Str("input")));
    }

    [Theory]
    [MemberData(nameof(FormCases))]
    public void Normalized_form_matches_upstream(string id)
    {
        var c = ShellParseVectors.Case(id);
        Assert.Equal(c.Map("forms")!.Str("normalized"), ShellText.Normalize(c.Str("input")));
    }

    [Theory]
    [MemberData(nameof(FormCases))]
    public void Subcommands_form_matches_upstream(string id)
    {
        var c = ShellParseVectors.Case(id);
        Assert.Equal(ShellParseVectors.Strings(c.Map("forms")!, "subcommands"), ShellText.ExtractSubcommands(c.Str("input")));
    }

    [Theory]
    [InlineData("a && b || c", new[] { "a", "b", "c" })]
    [InlineData("echo x 2>&1 | tee log", new[] { "echo x 2>&1", "tee log" })]
    [InlineData("cat <&0 ; ls &>f &>>g", new[] { "cat <&0", "ls &>f &>>g" })]
    [InlineData("echo 'a;b' \"c|d\" e\\;f", new[] { "echo 'a;b' \"c|d\" e\\;f" })]
    [InlineData("echo 'unterminated ; x", new[] { "echo 'unterminated ; x" })]
    [InlineData(" ; ;; ", new string[0])]
    public void Posix_split_respects_quotes_escapes_and_redirections(string input, string[] expected) =>
        Assert.Equal(expected, ShellText.Split(input));

    [Theory]
    [InlineData("echo a ^& b & c", new[] { "echo a ^& b", "c" })]
    [InlineData("echo 'a & b'", new[] { "echo 'a", "b'" })]
    [InlineData("echo \"a & b\" & c", new[] { "echo \"a & b\"", "c" })]
    [InlineData("dir 2>&1 &>nul", new[] { "dir 2>&1", ">nul" })]
    public void Cmd_split_uses_caret_escapes_and_ignores_single_quotes(string input, string[] expected) =>
        Assert.Equal(expected, ShellText.Split(input, ShellDialect.Cmd));

    [Fact]
    public void PowerShell_split_is_the_posix_split()
    {
        const string input = "echo 'a & b' && c &>f | d";
        Assert.Equal(ShellText.Split(input), ShellText.Split(input, ShellDialect.PowerShell));
    }

    [Theory]
    [InlineData("a 'b c' \"d e\"", new[] { "a", "b c", "d e" })]
    [InlineData("a\\ b c\\", new[] { "a b", "c\\" })]
    [InlineData("'' x \"\"", new[] { "x" })]
    [InlineData("\"a\\\"b\\\nc\" d\\\ne", new[] { "a\"bc", "de" })]
    [InlineData("a\nb\tc", new[] { "a\nb", "c" })]
    [InlineData("x 'unterminated y", new[] { "x", "unterminated y" })]
    public void Posix_tokenizer_removes_quotes_and_backslashes(string input, string[] expected) =>
        Assert.Equal(expected, ShellText.Tokenize(input));

    [Theory]
    [InlineData("d^el \"a b\" c\\d 'e'", new[] { "del", "a b", "c\\d", "'e'" })]
    [InlineData("x \"\" y", new[] { "x", "", "y" })]
    [InlineData("\"a^b\"", new[] { "a^b" })]
    public void Cmd_tokenizer_uses_carets_and_double_quotes_only(string input, string[] expected) =>
        Assert.Equal(expected, ShellText.Tokenize(input, ShellDialect.Cmd));

    [Theory]
    [InlineData("I`EX 'it''s' \"a`\"b\" ''", new[] { "IEX", "it's", "a\"b", "" })]
    [InlineData("'a `b' c\\d", new[] { "a `b", "c\\d" })]
    public void PowerShell_tokenizer_uses_backticks_and_both_quotes(string input, string[] expected) =>
        Assert.Equal(expected, ShellText.Tokenize(input, ShellDialect.PowerShell));

    [Theory]
    [InlineData("sudo rm -rf /", "sudo rm -rf /")]
    [InlineData("xargs rm -rf /", "xargs rm -rf /")]
    [InlineData("command -V rm", "command -V rm")]
    [InlineData("command -p", "command -p")]
    [InlineData("command --", "command --")]
    [InlineData("exec -cl rm x", "rm x")]
    [InlineData("exec -a", "exec -a")]
    [InlineData("exec -x rm", "exec -x rm")]
    [InlineData("env --ignore-environment -0 --null -v --debug rm x", "rm x")]
    [InlineData("env -u A --unset B -C /tmp --chdir /tmp --argv0 z rm x", "rm x")]
    [InlineData("env --unset=A --chdir=/ --argv0=z -uA -C/tmp rm x", "rm x")]
    [InlineData("env -uA=b rm x", "env -uA=b rm x")]
    [InlineData("env -- A=1 B=2 rm x", "rm x")]
    [InlineData("env --", "env --")]
    [InlineData("env --split-string 'rm x'", "rm x")]
    [InlineData("env --split-string='rm x'", "rm x")]
    [InlineData("env -S ''", "env -S")]
    [InlineData("env -x rm", "env -x rm")]
    [InlineData("nohup", "nohup")]
    [InlineData("nohup --version rm", "nohup --version rm")]
    [InlineData("nohup --", "nohup --")]
    [InlineData("nice --adjustment 3 rm x", "rm x")]
    [InlineData("nice --adjustment=-3 -n=4 -n -5 -- rm x", "rm x")]
    [InlineData("nice --help rm", "nice --help rm")]
    [InlineData("nice -n", "nice -n")]
    [InlineData("timeout --preserve-status --verbose -v --kill-after 2m --signal=KILL --kill-after=1 --signal 9 -- 1.5h rm x", "rm x")]
    [InlineData("timeout inf rm x", "rm x")]
    [InlineData("timeout infinity rm x", "rm x")]
    [InlineData("timeout .5 rm x", "rm x")]
    [InlineData("timeout 5. rm x", "rm x")]
    [InlineData("timeout 5x rm x", "timeout 5x rm x")]
    [InlineData("timeout . rm x", "timeout . rm x")]
    [InlineData("timeout 5s", "timeout 5s")]
    [InlineData("timeout -s TE-RM 5 rm", "timeout -s TE-RM 5 rm")]
    [InlineData("timeout -k x 5 rm", "timeout -k x 5 rm")]
    [InlineData("timeout --help 5 rm", "timeout --help 5 rm")]
    [InlineData("setsid --ctty --fork --wait -w rm x", "rm x")]
    [InlineData("setsid --version rm x", "setsid --version rm x")]
    [InlineData("stdbuf --input 0 --output=L --error B -i=1KiB -o 2MB -e 3kb -i 4 rm x", "rm x")]
    [InlineData("stdbuf -o 1Q rm x", "stdbuf -o 1Q rm x")]
    [InlineData("stdbuf -o 1KiBB rm x", "stdbuf -o 1KiBB rm x")]
    [InlineData("stdbuf --help rm x", "stdbuf --help rm x")]
    [InlineData("/usr/bin/env rm x", "rm x")]
    [InlineData("Env rm x", "Env rm x")]
    public void Launchers_are_stripped_only_when_fully_understood(string input, string expected) =>
        Assert.Equal(expected, ShellText.Normalize(input));

    [Theory]
    [InlineData("bash -norc rm x", "rm x")]
    [InlineData("bash -l -x", "bash -l -x")]
    [InlineData("bash script.sh -c x", "bash script.sh -c x")]
    [InlineData("sh -c 'a && b'", "a && b")]
    [InlineData("cmd /d /c dir", "dir")]
    [InlineData("cmd /q x", "cmd /q x")]
    [InlineData("C:\\Windows\\System32\\cmd.exe /C del x", "del x")]
    [InlineData("pwsh -NoLogo -c Remove-Item x", "Remove-Item x")]
    [InlineData("pwsh -c", "pwsh -c")]
    [InlineData("pwsh -c 'I`EX x'", "IEX x")]
    [InlineData("> out >> log < in 2>&1 ls", "ls")]
    [InlineData("ls >", "ls >")]
    [InlineData(">", "")]
    [InlineData("2>", "2>")]
    public void Shell_wrappers_and_leading_redirections_are_removed(string input, string expected) =>
        Assert.Equal(expected, ShellText.Normalize(input));

    [Fact]
    public void Normalize_joins_segments_with_and_and_drops_empty_ones()
    {
        Assert.Equal("a && b && c", ShellText.Normalize("a | FOO=1 ; b || c"));
        Assert.Equal("", ShellText.Normalize(" \x01 \r "));
    }

    [Theory]
    [InlineData("\x1B[1;31mred\x1B[0m", "red")]
    [InlineData("\x1B[31", "[31")]
    [InlineData("a\rb\u007F", "ab\u007F")]
    public void Sanitize_drops_escapes_and_control_characters(string input, string expected) =>
        Assert.Equal(expected, ShellText.Sanitize(input));

    [Fact]
    public void Sanitize_replaces_lone_surrogates_and_keeps_pairs()
    {
        // Built in code: xunit's InlineData serialisation cannot carry lone surrogates.
        Assert.Equal("a\uFFFDb", ShellText.Sanitize("a" + '\uD800' + "b"));
        Assert.Equal("a\uFFFD", ShellText.Sanitize("a" + '\uDC00'));
        Assert.Equal("\uD83D\uDE00", ShellText.Sanitize("\uD83D\uDE00"));
    }

    [Theory]
    [InlineData("$(a $(b)", new string[0])]
    [InlineData("$(echo (a))", new[] { "echo (a" })]
    [InlineData("'$(id)'", new[] { "id" })]
    [InlineData("<(a (b) c) >(d)", new[] { "a (b) c", "d" })]
    [InlineData("A=1 eval eval x", new[] { "eval x", "x" })]
    [InlineData("eval", new string[0])]
    [InlineData("`a` `b", new[] { "a" })]
    [InlineData("$( $(a) `b` )", new[] { "$(a) `b`", "a", "b", "b" })]
    public void Subcommands_are_extracted_in_order_and_recursively(string input, string[] expected) =>
        Assert.Equal(expected, ShellText.ExtractSubcommands(input));

    [Theory]
    [InlineData("rm -rf / # comment", "rm -rf /")]
    [InlineData("# only", "")]
    [InlineData("echo a#b", "echo a#b")]
    [InlineData("echo '# x' \"# y\" \\# z", "echo '# x' \"# y\" \\# z")]
    [InlineData("echo x\t#c", "echo x")]
    [InlineData("  echo x  ", "echo x")]
    public void Comments_start_at_an_unquoted_hash_after_space(string input, string expected) =>
        Assert.Equal(expected, ShellText.StripComment(input));

    [Theory]
    [InlineData("FOO=bar", true)]
    [InlineData("_x1=", true)]
    [InlineData("Ünï=1", true)]
    [InlineData("1A=b", false)]
    [InlineData("=b", false)]
    [InlineData("A-B=c", false)]
    [InlineData("AB", false)]
    public void Env_assignment_needs_a_valid_name_before_the_equals(string token, bool expected) =>
        Assert.Equal(expected, ShellText.IsEnvAssignment(token));

    [Theory]
    [InlineData("cmd /c dir", ShellDialect.Cmd)]
    [InlineData("  \"C:\\Windows\\CMD.EXE\" /c dir", ShellDialect.Cmd)]
    [InlineData("PowerShell.exe -c x", ShellDialect.PowerShell)]
    [InlineData("pwsh", ShellDialect.PowerShell)]
    [InlineData("bash -c x", null)]
    [InlineData("cmdx /c", null)]
    [InlineData("", null)]
    public void Wrapper_dialect_follows_the_first_word(string command, ShellDialect? expected) =>
        Assert.Equal(expected, ShellText.WrapperDialect(command));
}

/// <summary>shellparse.yaml, loaded once and looked up by case id.</summary>
internal static class ShellParseVectors
{
    static readonly Lazy<Dictionary<string, Dictionary<string, object?>>> cases = new(Load);

    static Dictionary<string, Dictionary<string, object?>> Load()
    {
        var byId = new Dictionary<string, Dictionary<string, object?>>(StringComparer.Ordinal);
        foreach (var item in ConformanceYaml.LoadList(SharedFiles.Conformance("shellparse.yaml")))
        {
            var map = (Dictionary<string, object?>)item!;
            byId.Add(map.Str("id"), map);
        }
        return byId;
    }

    internal static IEnumerable<Dictionary<string, object?>> All => cases.Value.Values;

    internal static Dictionary<string, object?> Case(string id) => cases.Value[id];

    internal static TheoryData<string> Ids(Func<Dictionary<string, object?>, bool> filter)
    {
        var data = new TheoryData<string>();
        foreach (var (id, map) in cases.Value)
        {
            if (filter(map)) data.Add(id);
        }
        return data;
    }

    internal static ShellDialect Dialect(Dictionary<string, object?> c) => c.Str("dialect", "posix") switch
    {
        "posix" => ShellDialect.Posix,
        "windows" => ShellDialect.Cmd,
        "powershell" => ShellDialect.PowerShell,
        var other => throw new InvalidDataException("unknown dialect " + other),
    };

    /// <summary>A list value as strings; an absent key is an empty list (forms omit empty alias lists).</summary>
    internal static List<string> Strings(Dictionary<string, object?> map, string key)
    {
        var result = new List<string>();
        if (map.List(key) is not { } list) return result;
        foreach (var item in list)
        {
            result.Add(item switch
            {
                null => "",
                string s => s,
                bool b => b ? "true" : "false",
                long l => l.ToString(CultureInfo.InvariantCulture),
                double d => d.ToString("R", CultureInfo.InvariantCulture),
                _ => item.ToString() ?? "",
            });
        }
        return result;
    }
}
