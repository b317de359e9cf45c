using System.Text.RegularExpressions;

namespace Rampart.Core.Evaluation.Conditions;

/// <summary>POL-045 step 4: the response condition of a rule (unanchored RE2 searches).</summary>
internal static class ResponseConditions
{
    public static bool Match(string response, ResponsePattern[] matches, ResponsePattern[] notMatches)
    {
        if (matches.Length == 0 || response.Length == 0) return false;
        var hit = false;
        foreach (var pattern in matches)
        {
            if (Search(pattern.Regex, response, timedOutResult: true)) { hit = true; break; }
        }
        if (!hit) return false;
        foreach (var pattern in notMatches)
        {
            if (Search(pattern.Regex, response, timedOutResult: false)) return false;
        }
        return true;
    }

    /// <summary>POL-045: a timed-out attempt counts as a match for <c>response_matches</c> and as no match for exclusions (fail closed both ways).</summary>
    static bool Search(Regex regex, string text, bool timedOutResult)
    {
        try
        {
            return regex.IsMatch(text);
        }
        catch (RegexMatchTimeoutException)
        {
            return timedOutResult;
        }
    }
}

/// <summary>
/// A validated response regex whose linear-time matcher is built on first use: most policy sets
/// are loaded far more often (start-up, reloads, every hook process) than their response rules
/// run, and building the automata was most of the load time.
/// </summary>
internal sealed class ResponsePattern(string pattern, TimeSpan matchTimeout)
{
    readonly Lazy<Regex> _regex = new(() => Build(pattern, matchTimeout), LazyThreadSafetyMode.ExecutionAndPublication);

    public string Pattern => pattern;

    public Regex Regex => _regex.Value;

    static Regex Build(string pattern, TimeSpan matchTimeout)
    {
        if (!Matching.Re2Regex.TryCompile(pattern, out var regex, out var error) || regex is null)
            throw new InvalidOperationException("response regex \"" + pattern + "\" passed validation but did not compile: " + error);
        // POL-045: every single match attempt is bounded.
        return regex.MatchTimeout == Regex.InfiniteMatchTimeout ? new Regex(regex.ToString(), regex.Options, matchTimeout) : regex;
    }
}
