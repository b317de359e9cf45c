using Rampart.Core.Matching;
using Rampart.Testing;

namespace Rampart.Core.Tests.Matching;

public sealed class ShellCommandAnalysisTests
{
    public static TheoryData<string> FormCases => ShellParseVectors.Ids(c => c.Map("forms") is not null);

    [Theory]
    [MemberData(nameof(FormCases))]
    public void Components_and_composite_flag_match_upstream(string id)
    {
        var c = ShellParseVectors.Case(id);
        var forms = c.Map("forms")!;
        var analysis = CommandAnalysis.Of(c.Str("input"));
        Assert.Equal(ShellParseVectors.Strings(forms, "components"), analysis.Components);
        Assert.Equal(forms["composite"], analysis.IsComposite);
        Assert.Equal(ShellParseVectors.Strings(forms, "subcommands"), analysis.SubCommands);
    }

    [Fact]
    public void Normalized_falls_back_to_raw_when_normalisation_is_empty()
    {
        var analysis = CommandAnalysis.Of("command 2>&1");
        Assert.Equal("command 2>&1", analysis.Normalized);
        Assert.Equal(["command 2>&1"], analysis.Segments);
        Assert.False(analysis.IsComposite);
    }

    [Fact]
    public void Normalisation_can_create_composites()
    {
        var analysis = CommandAnalysis.Of("echo 'a&&b'");
        Assert.Equal("echo a&&b", analysis.Normalized);
        Assert.Equal(["echo a", "b"], analysis.Segments);
        Assert.True(analysis.IsComposite);
    }

    [Fact]
    public void Subcommand_segments_are_normalised_and_duplicates_dropped()
    {
        var analysis = CommandAnalysis.Of("echo $('ls' -l; FOO=1 2>&1) && echo $('ls' -l)");
        // `FOO=1 2>&1)` normalises to nothing and leaves the normalised command; inside the
        // sub-command `FOO=1 2>&1` is kept as written because it normalises to "".
        Assert.Equal("echo $(ls -l && echo $(ls -l)", analysis.Normalized);
        Assert.Equal(["echo $(ls -l", "echo $(ls -l)", "ls -l", "FOO=1 2>&1"], analysis.Components);
    }

    [Fact]
    public void Whitespace_only_command_has_no_components()
    {
        Assert.Empty(CommandAnalysis.Of("   ").Components);
        Assert.Empty(CommandAnalysis.Of("").Components);
    }
}
