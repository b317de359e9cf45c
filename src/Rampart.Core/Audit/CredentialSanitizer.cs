using System.Buffers;
using System.Text.RegularExpressions;

namespace Rampart.Core.Audit;

/// <summary>
/// The string sanitiser of AUD-022: 18 substitutions applied in order, each replacing all
/// non-overlapping leftmost matches. RE2 semantics are kept by spelling Go's <c>\s</c>/<c>\S</c>
/// as explicit classes (.NET's include \v and Unicode spaces) and by running every pattern on the
/// linear-time NonBacktracking engine where its longest-match choice cannot differ from RE2's
/// leftmost-first one (#1..#15).
/// </summary>
public static partial class CredentialSanitizer
{
    public const string Redacted = "[REDACTED]";

    const RegexOptions Opts = RegexOptions.CultureInvariant | RegexOptions.NonBacktracking;
    const string S = @"[\t\n\f\r ]";
    const string NS = @"[^\t\n\f\r ]";

    [GeneratedRegex(@"(?i)'Authorization:" + S + "+(Bearer|Basic)" + S + "+[^']+'", Opts)]
    private static partial Regex QuotedAuthSingle();

    [GeneratedRegex("(?i)\"Authorization:" + S + "+(Bearer|Basic)" + S + "+[^\"]+\"", Opts)]
    private static partial Regex QuotedAuthDouble();

    [GeneratedRegex(S + "-p'[^']*'", Opts)]
    private static partial Regex MysqlPasswordSingle();

    [GeneratedRegex(S + "-p\"[^\"]*\"", Opts)]
    private static partial Regex MysqlPasswordDouble();

    [GeneratedRegex(S + "-p[A-Za-z0-9]" + NS + "*", Opts)]
    private static partial Regex MysqlPasswordBare();

    [GeneratedRegex("--password=" + NS + "+", Opts)]
    private static partial Regex PasswordFlagEquals();

    [GeneratedRegex("--password" + S + "+" + NS + "+", Opts)]
    private static partial Regex PasswordFlagSpace();

    [GeneratedRegex("ghp_[a-zA-Z0-9]{40}", Opts)]
    private static partial Regex GitHubPat();

    [GeneratedRegex("gho_[a-zA-Z0-9]+", Opts)]
    private static partial Regex GitHubOAuth();

    [GeneratedRegex("ghs_[a-zA-Z0-9]+", Opts)]
    private static partial Regex GitHubServer();

    [GeneratedRegex("xoxb-[a-zA-Z0-9-]+", Opts)]
    private static partial Regex SlackBot();

    [GeneratedRegex("xoxp-[a-zA-Z0-9-]+", Opts)]
    private static partial Regex SlackUser();

    [GeneratedRegex("sk-[a-zA-Z0-9]{20,}", Opts)]
    private static partial Regex SecretKey();

    [GeneratedRegex("AKIA[0-9A-Z]{16}", Opts)]
    private static partial Regex AwsAccessKey();

    [GeneratedRegex("(?i)Authorization:" + S + "+(Bearer|Basic)" + S + "+" + NS + "+", Opts)]
    private static partial Regex AuthHeader();

    // #16..#18 use the backtracking engine: .NET's NonBacktracking engine does not pick RE2's
    // leftmost-first alternative (it took `"abc"rest` over `"abc"` for #17), and Go's ASCII \b
    // needs look-arounds. Each of these patterns is anchored on a literal keyword and a disjoint
    // value class, so backtracking stays linear in the text length for these shapes.
    const RegexOptions Backtracking = RegexOptions.CultureInvariant;
    const string WordStart = "(?<![A-Za-z0-9_])"; // Go's ASCII \b before a word character
    const string WordEnd = "(?![A-Za-z0-9_])";    // ... and after one

    [GeneratedRegex(WordStart + "(?i:api_?key|auth_?token|token|secret|access_?token)" + S + "*[=:]" + S +
                    "*[A-Za-z0-9+/]{40,}={0,2}", Backtracking)]
    private static partial Regex LongKeyAssignment();

    [GeneratedRegex("(?i)(--(?:api[-_]?key|auth[-_]?token|access[-_]?token|token|secret))(=|" + S + "+)(?:\"[^\"]*\"|'[^']*'|" +
                    NS + "+)", Backtracking)]
    private static partial Regex SecretFlag();

    [GeneratedRegex("(" + WordStart + "(?i:api[-_]?key|auth[-_]?token|access[-_]?token|password|token|secret)" + WordEnd + S +
                    "*[=:]" + S + "*)(?:\"[^\"]*\"|'[^']*'|[^\\t\\n\\f\\r &]+)", Backtracking)]
    private static partial Regex SecretAssignment();

    /// <summary>Applies the 18 substitutions of AUD-022 in order.</summary>
    public static string Sanitize(string text) => Sanitize(text, skipImpossible: true);

    /// <summary>
    /// The 18 substitutions, each skipped when the text cannot match it: every pattern needs a
    /// literal (a key word, <c>-p</c>, <c>ghp_</c>, <c>Authorization:</c> …), and looking for that
    /// literal is a vectorised scan, where a regex pass costs about a microsecond per string even
    /// when nothing matches — 18 passes over every string of every audited event were most of the
    /// audit's CPU per decision. Case-insensitive literals are only trusted on ASCII text: RE2 and
    /// .NET fold the Kelvin sign into <c>k</c>, ordinal ignore-case comparison does not, so text
    /// with any other character takes every pass. Replacements only copy text or insert ASCII, so
    /// the check is repeated on the current text before each pass. <paramref name="skipImpossible"/>
    /// is false only in the test that proves both paths agree.
    /// </summary>
    internal static string Sanitize(string text, bool skipImpossible)
    {
        if (string.IsNullOrEmpty(text)) return text ?? "";
        var s = text;
        var gate = skipImpossible && System.Text.Ascii.IsValid(s);
        // One multi-literal search first: most strings (commands, paths, messages) hold none of the
        // literals, and then every pass below would be skipped one scan at a time. Folding only
        // widens the exact literals, so a miss here means each check below would miss too.
        if (gate && !s.AsSpan().ContainsAny(AnyLiteral)) return s;
        if (!gate || Folded(s, "authorization:"))
        {
            s = QuotedAuthSingle().Replace(s, "'" + Redacted + "'");
            s = QuotedAuthDouble().Replace(s, "\"" + Redacted + "\"");
        }
        if (!gate || Exact(s, "-p"))
        {
            s = MysqlPasswordSingle().Replace(s, " " + Redacted);
            s = MysqlPasswordDouble().Replace(s, " " + Redacted);
            s = MysqlPasswordBare().Replace(s, " " + Redacted);
        }
        if (!gate || Exact(s, "--password"))
        {
            s = PasswordFlagEquals().Replace(s, Redacted);
            s = PasswordFlagSpace().Replace(s, Redacted);
        }
        if (!gate || Exact(s, "ghp_")) s = GitHubPat().Replace(s, Redacted);
        if (!gate || Exact(s, "gho_")) s = GitHubOAuth().Replace(s, Redacted);
        if (!gate || Exact(s, "ghs_")) s = GitHubServer().Replace(s, Redacted);
        if (!gate || Exact(s, "xoxb-")) s = SlackBot().Replace(s, Redacted);
        if (!gate || Exact(s, "xoxp-")) s = SlackUser().Replace(s, Redacted);
        if (!gate || Exact(s, "sk-")) s = SecretKey().Replace(s, Redacted);
        if (!gate || Exact(s, "AKIA")) s = AwsAccessKey().Replace(s, Redacted);
        if (!gate || Folded(s, "authorization:")) s = AuthHeader().Replace(s, "Authorization: $1 " + Redacted);
        // #16..#18 name a key word: each spelling contains key, token, secret or password.
        var keyWord = !gate || Folded(s, "key") || Folded(s, "token") || Folded(s, "secret") || Folded(s, "password");
        if (keyWord) s = LongKeyAssignment().Replace(s, Redacted);
        if (keyWord && (!gate || Exact(s, "--"))) s = SecretFlag().Replace(s, "$1$2" + Redacted);
        if (keyWord) s = SecretAssignment().Replace(s, "$1" + Redacted);
        return s;
    }

    // Every literal the checks below look for, case-folded (a superset of the exact ones).
    static readonly SearchValues<string> AnyLiteral = SearchValues.Create(
        ["authorization:", "-p", "--", "ghp_", "gho_", "ghs_", "xoxb-", "xoxp-", "sk-", "akia", "key", "token", "secret", "password"],
        StringComparison.OrdinalIgnoreCase);

    static bool Exact(string s, string literal) => s.Contains(literal, StringComparison.Ordinal);

    static bool Folded(string s, string literal) => s.Contains(literal, StringComparison.OrdinalIgnoreCase);
}
