using Rampart.Core.Matching;
using Rampart.Testing;

namespace Rampart.Core.Tests.Matching;

public sealed class PathNamesTests : IDisposable
{
    private readonly string _root;

    public PathNamesTests()
    {
        // Resolve the temp root itself so expectations do not depend on /tmp being a symlink.
        var temp = Path.Combine(Path.GetTempPath(), "rampart-paths-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(temp);
        _root = PathNames.Resolve(PathNames.Clean(temp));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    public static TheoryData<string> CleanCases => GlobCases.Ids("clean_path");

    [Theory]
    [MemberData(nameof(CleanCases))]
    public void Cleans_like_upstream(string id)
    {
        var c = GlobCases.Get(id);
        var workdir = c.TryGetValue("workdir", out var w) && w is string s ? s : null;
        Assert.Equal(c.Str("expect"), PathNames.Clean(c.Str("input"), workdir));
    }

    [Theory]
    [InlineData("..", null, "..")]
    [InlineData("../../a", null, "../../a")]
    [InlineData("a/../..", null, "..")]
    [InlineData(".", null, ".")]
    [InlineData("./", null, ".")]
    [InlineData("//a//b//", null, "/a/b")]
    [InlineData("x", "  /w  ", "/w/x")]
    [InlineData("x", @"C:\w", "C:/w/x")]
    [InlineData("x", "   ", "x")]
    public void Cleans_lexically(string path, string? workdir, string expected)
    {
        Assert.Equal(expected, PathNames.Clean(path, workdir));
    }

    [Fact]
    public void Resolve_follows_symlinks_to_their_target()
    {
        var etc = Directory.CreateDirectory(Path.Combine(_root, "etc")).FullName;
        File.WriteAllText(Path.Combine(etc, "shadow"), "x");
        var workspace = Directory.CreateDirectory(Path.Combine(_root, "ws")).FullName;
        File.CreateSymbolicLink(Path.Combine(workspace, "link"), etc);

        Assert.Equal(etc + "/shadow", PathNames.Resolve(workspace + "/link/shadow"));
    }

    [Fact]
    public void Resolve_follows_relative_link_targets()
    {
        var real = Directory.CreateDirectory(Path.Combine(_root, "real")).FullName;
        Directory.CreateSymbolicLink(Path.Combine(_root, "alias"), "real");
        Assert.Equal(real + "/f", PathNames.Resolve(_root + "/alias/f"));
    }

    [Fact]
    public void Resolve_keeps_missing_elements_after_the_longest_existing_ancestor()
    {
        var real = Directory.CreateDirectory(Path.Combine(_root, "real")).FullName;
        Directory.CreateSymbolicLink(Path.Combine(_root, "alias"), real);
        Assert.Equal(real + "/not/there.txt", PathNames.Resolve(_root + "/alias/not/there.txt"));
    }

    [Fact]
    public void Resolve_leaves_a_path_through_a_file_unchanged()
    {
        File.WriteAllText(Path.Combine(_root, "file"), "x");
        Directory.CreateSymbolicLink(Path.Combine(_root, "alias"), _root);
        var path = _root + "/alias/file/below";
        Assert.Equal(path, PathNames.Resolve(path));
    }

    [Fact]
    public void Resolve_gives_up_on_symlink_loops()
    {
        File.CreateSymbolicLink(Path.Combine(_root, "a"), Path.Combine(_root, "b"));
        File.CreateSymbolicLink(Path.Combine(_root, "b"), Path.Combine(_root, "a"));
        Assert.Equal(_root + "/a", PathNames.Resolve(_root + "/a"));
    }

    [Fact]
    public void Candidates_are_cleaned_resolved_and_relative()
    {
        var real = Directory.CreateDirectory(Path.Combine(_root, "real")).FullName;
        Directory.CreateSymbolicLink(Path.Combine(_root, "alias"), real);

        Assert.Equal([_root + "/alias/x.env", real + "/x.env", "alias/x.env"], PathNames.Candidates("./alias//x.env", _root));
        Assert.Equal([real + "/y"], PathNames.Candidates(real + "/y", _root));
        Assert.Empty(PathNames.Candidates("", _root));
        Assert.Equal(["a/b"], PathNames.Candidates(@"a\b", ""));
    }

    [Theory]
    [InlineData("*.env", "/proj/a.env", "/proj", true)]          // relative pattern joined onto the workdir
    [InlineData("*.env", "/proj/a.env", "", false)]
    [InlineData("/proj/*.env", "a.env", "/proj", true)]          // relative candidate joined for an absolute pattern
    [InlineData("/proj/*.env", "a.env", "", false)]
    [InlineData("**/.env", "/x/.env", "/proj", true)]
    [InlineData("/etc/**", "/proj/x", "/proj", false)]
    [InlineData("", "/proj", "/proj", false)]                     // an empty pattern stays empty after joining
    [InlineData("[", "/proj/[", "/proj", false)]
    public void Pattern_and_candidate_variants_meet_through_the_workdir(string pattern, string candidate, string workdir, bool expected)
    {
        Assert.Equal(expected, PathNames.PatternMatchesCandidate(PathGlob.Compile(pattern), candidate, workdir));
    }

    [Fact]
    public void Patterns_match_through_symlinked_directories()
    {
        var etc = Directory.CreateDirectory(Path.Combine(_root, "etc")).FullName;
        Directory.CreateSymbolicLink(Path.Combine(_root, "bin"), etc);
        File.WriteAllText(Path.Combine(etc, "passwd"), "x");

        // `<root>/bin/**` also stands for `<root>/etc/**`, and `<root>/bin/passwd` for the file itself.
        Assert.True(PathNames.PatternMatchesCandidate(PathGlob.Compile(_root + "/bin/**"), etc + "/x", ""));
        Assert.True(PathNames.PatternMatchesCandidate(PathGlob.Compile(_root + "/bin/passwd"), etc + "/passwd", ""));
        Assert.False(PathNames.PatternMatchesCandidate(PathGlob.Compile(_root + "/other/**"), etc + "/x", ""));
    }

    [Fact]
    public void Workdir_variants_follow_the_workdir()
    {
        var glob = PathGlob.Compile("*.env");
        Assert.True(PathNames.PatternMatchesCandidate(glob, "/a/x.env", "/a"));
        Assert.False(PathNames.PatternMatchesCandidate(glob, "/a/x.env", "/b"));
        Assert.True(PathNames.PatternMatchesCandidate(glob, "/b/x.env", "/b"));
    }

    /// <summary>A tree with every kind of entry the walk distinguishes, and paths through all of them.</summary>
    private string[] ResolutionPaths()
    {
        var real = Directory.CreateDirectory(Path.Combine(_root, "real")).FullName;
        Directory.CreateDirectory(Path.Combine(real, "sub"));
        File.WriteAllText(Path.Combine(real, "file"), "x");
        File.WriteAllText(Path.Combine(real, "sub", "deep"), "x");
        Directory.CreateSymbolicLink(Path.Combine(_root, "abs"), real);
        Directory.CreateSymbolicLink(Path.Combine(_root, "rel"), "real/sub");
        Directory.CreateSymbolicLink(Path.Combine(real, "up"), "..");
        Directory.CreateSymbolicLink(Path.Combine(real, "dotdot"), "../real/../abs");
        File.CreateSymbolicLink(Path.Combine(_root, "tofile"), Path.Combine(real, "file"));
        File.CreateSymbolicLink(Path.Combine(_root, "dangling"), Path.Combine(_root, "nowhere", "x"));
        File.CreateSymbolicLink(Path.Combine(_root, "chain1"), "chain2");
        File.CreateSymbolicLink(Path.Combine(_root, "chain2"), "abs");
        File.CreateSymbolicLink(Path.Combine(_root, "loop1"), "loop2");
        File.CreateSymbolicLink(Path.Combine(_root, "loop2"), "loop1");
        File.CreateSymbolicLink(Path.Combine(_root, "long"), new string('n', 300) + "/" + new string('m', 300));

        string[] tails = ["", "/file", "/sub", "/sub/deep", "/missing", "/missing/more", "/file/below", "/up/real/file", "/dotdot/sub"];
        string[] heads =
        [
            _root, real, _root + "/abs", _root + "/rel", _root + "/tofile", _root + "/dangling", _root + "/chain1",
            _root + "/loop1", _root + "/long", _root + "/nothing", _root + "/real/up",
        ];
        var paths = new List<string> { "/", ".", "..", "~/.ssh/id_rsa", "src/main.go", "/proc/self/cwd", "/proc/self/fd/0", "/etc/passwd", "a\0b" };
        foreach (var head in heads)
        {
            foreach (var tail in tails) paths.Add(head + tail);
        }
        paths.Add(_root + "/" + new string('x', 2000) + "/y");
        paths.Add(_root + "/abs/" + new string('é', 400));
        return paths.ToArray();
    }

    [Fact]
    public void Resolve_answers_like_the_portable_walk_for_every_kind_of_entry()
    {
        foreach (var path in ResolutionPaths())
        {
            var expected = PathNames.ResolveByWalk(path, portable: true);
            Assert.True(expected == PathNames.Resolve(path), $"{path}: fast path gave {PathNames.Resolve(path)}, walk {expected}");
            Assert.True(expected == PathNames.ResolveByWalk(path, portable: false), $"{path}: lstat walk gave {PathNames.ResolveByWalk(path, portable: false)}, walk {expected}");
        }
    }

    [Fact]
    public void Resolve_sees_a_link_created_after_an_earlier_resolution()
    {
        var real = Directory.CreateDirectory(Path.Combine(_root, "real")).FullName;
        var path = _root + "/later/f";
        Assert.Equal(path, PathNames.Resolve(path));
        Directory.CreateSymbolicLink(Path.Combine(_root, "later"), real);
        Assert.Equal(real + "/f", PathNames.Resolve(path));
        Directory.Delete(Path.Combine(_root, "later"));
        Directory.CreateDirectory(Path.Combine(_root, "later"));
        Assert.Equal(path, PathNames.Resolve(path));
    }

    [Fact]
    public void A_pattern_list_matches_exactly_when_one_of_its_patterns_does()
    {
        // The list's literal pre-filter and shared per-candidate work must not change any answer.
        var real = Directory.CreateDirectory(Path.Combine(_root, "real")).FullName;
        Directory.CreateSymbolicLink(Path.Combine(_root, "alias"), real);
        string[] patterns =
        [
            "**/.ssh/id_*", "**\\.ssh\\id_*", "**/*.pub", "**/.env", "*.env", "../secret/*.key", "/etc/**", "**/etc/shadow",
            "src/**", "**", "*", "?", "[a-c]*.go", "**/Library/Keychains/**", _root + "/alias/**", _root + "/alias/x.txt",
            "alias/*.txt", "**/É/*.txt", "/proj/*.env", "", "[", "**/a/**/b/**/c",
        ];
        string[] candidates =
        [
            "/home/u/.ssh/id_rsa", "/home/u/.ssh/id_rsa.pub", "~/.ssh/id_rsa", "/proj/a.env", "a.env", "src/main.go", "/etc/passwd",
            "/x/etc/shadow", real + "/x.txt", _root + "/alias/x.txt", "alias/x.txt", "/p/É/f.txt", "/p/é/f.txt", "b.go",
            "../secret/a.key", "/HOME/U/.SSH/ID_RSA", "a\\b.env", "x",
        ];
        string[] workdirs = ["", "/proj", _root, "  /w/../proj  ", "rel"];
        var globs = patterns.Select(PathGlob.Compile).ToArray();
        foreach (var workdir in workdirs)
        {
            foreach (var candidate in candidates)
            {
                for (var start = 0; start < globs.Length; start++)
                {
                    var list = globs[start..];
                    var expected = list.Any(g => PathNames.PatternMatchesCandidate(g, candidate, workdir));
                    Assert.True(expected == PathNames.AnyPatternMatches(list, candidate, workdir), $"{candidate} in {workdir}: list from {patterns[start]}");
                }
            }
        }
    }
}
