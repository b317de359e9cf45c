using Rampart.Core.Matching;

namespace Rampart.Core.Tests.Matching;

/// <summary><see cref="ShellWords.LowerInto"/> (the ASCII fast path) against <c>string.ToLowerInvariant</c>.</summary>
public sealed class ShellWordsLowerIntoTests
{
    static readonly string[] Pieces = ["a", "Z", "rm", "RM", "Cmd.EXE", "-", "/", " ", "\u212A", "\u0130", "\u00C9", "\uD83D\uDE00", "\uD800", "\u03A3", "\u0000", "\u007F", "\u0080"];

    [Fact]
    public void Lowers_like_ToLowerInvariant_for_short_long_ASCII_and_non_ASCII_text()
    {
        var random = new Random(7);
        var differences = new List<string>();
        for (var n = 0; n < 5000; n++)
        {
            var parts = 1 + random.Next(random.Next(2) == 0 ? 6 : 40);
            var text = string.Concat(Enumerable.Range(0, parts).Select(_ => Pieces[random.Next(Pieces.Length)]));
            var buffer = new char[text.Length + 3];
            var written = ShellWords.LowerInto(text, buffer);
            var lowered = new string(buffer, 0, written);
            if (lowered != text.ToLowerInvariant()) differences.Add(text);
        }
        Assert.Empty(differences);
    }

    [Theory]
    [InlineData("PowerShell.EXE", "powershell.exe")]
    [InlineData("abcdefghijklmnopqrstuVWXYZ", "abcdefghijklmnopqrstuvwxyz")]
    [InlineData("\u00C9T\u00C9", "\u00E9t\u00E9")]
    public void Writes_the_lower_cased_text(string text, string expected)
    {
        var buffer = new char[text.Length];
        Assert.Equal(expected, new string(buffer, 0, ShellWords.LowerInto(text, buffer)));
    }
}
