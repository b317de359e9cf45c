using Rampart.Agents;

namespace Rampart.Tests.Agents;

public sealed class GitSessionTests
{
    [Theory]
    [InlineData("/home/me/src/rampart\nmain\n", true, "rampart/main")]
    [InlineData("/home/me/src/rampart\nHEAD\n", true, "rampart/detached")]
    [InlineData("/home/me/src/fresh\nHEAD\n", false, "fresh")]
    [InlineData("", false, "")]
    public void Session_label_is_repo_and_branch(string output, bool succeeded, string expected)
    {
        Assert.Equal(expected, GitSession.FromRevParse(output, succeeded));
    }

    [Fact]
    public async Task RAMPART_SESSION_wins_without_running_git()
    {
        Assert.Equal("label", await GitSession.ResolveAsync("  label ", "/nonexistent"));
    }

    [Fact]
    public async Task A_directory_outside_any_repository_has_no_session()
    {
        var dir = Directory.CreateTempSubdirectory("rampart-nogit-").FullName;
        try
        {
            Assert.Equal("", await GitSession.ResolveAsync(null, dir));
        }
        finally
        {
            Directory.Delete(dir);
        }
    }
}
