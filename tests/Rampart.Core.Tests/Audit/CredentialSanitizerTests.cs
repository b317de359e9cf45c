using Rampart.Core.Audit;

namespace Rampart.Core.Tests.Audit;

/// <summary>
/// The literal pre-checks of <see cref="CredentialSanitizer"/> only skip passes that cannot match:
/// on text built from the patterns' own pieces, skipping and running every pass agree.
/// </summary>
public sealed class CredentialSanitizerTests
{
    static readonly string[] Pieces =
    [
        "Authorization:", "authorization:", "AUTHORIZATION:", "Bearer", "basic", "'", "\"", " ", "\t", "\n", "=", ":",
        "-p", "-p'", "-p\"", "--password", "--password=", "--", "--token", "--api-key", "--secret",
        "ghp_", "gho_", "ghs_", "xoxb-", "xoxp-", "sk-", "AKIA", "api_key", "apikey", "Auth_Token", "access-token",
        "token", "TOKEN", "secret", "Secret", "password", "PassWord", "key", "&",
        "abcdefghij", "ABCDEFGHIJKLMNOP", "0123456789", "aB3dE6gH9jK2mN5pQ8sT", "+/", "==",
        "to\u212Aen", "\u017Fecret", "é", "git status", "rm -rf /", "curl https://example.com",
    ];

    public static TheoryData<int> Seeds()
    {
        var data = new TheoryData<int>();
        for (var seed = 0; seed < 40; seed++) data.Add(seed);
        return data;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Skipping_impossible_passes_changes_no_result(int seed)
    {
        var random = new Random(seed);
        for (var i = 0; i < 500; i++)
        {
            var text = Compose(random);
            Assert.Equal(CredentialSanitizer.Sanitize(text, skipImpossible: false), CredentialSanitizer.Sanitize(text, skipImpossible: true));
        }
    }

    [Theory]
    [InlineData("git status")]
    [InlineData("--token abc")]
    [InlineData("to\u212Aen=" + "abcdefghijABCDEFGHIJabcdefghijABCDEFGHIJ")]
    public void Public_entry_point_is_the_checked_path(string text)
    {
        Assert.Equal(CredentialSanitizer.Sanitize(text, skipImpossible: false), CredentialSanitizer.Sanitize(text));
    }

    static string Compose(Random random)
    {
        var parts = random.Next(1, 9);
        var text = new System.Text.StringBuilder();
        for (var p = 0; p < parts; p++)
        {
            var piece = Pieces[random.Next(Pieces.Length)];
            // Long values reach the 20- and 40-character value classes of #13 and #16.
            text.Append(random.Next(4) == 0 ? string.Concat(Enumerable.Repeat(piece, random.Next(2, 6))) : piece);
        }
        return text.ToString();
    }
}
