using System.Text.RegularExpressions;

namespace Rampart.Core.Evaluation.Conditions;

/// <summary>POL-045 step 4: the response condition of a rule (unanchored RE2 searches).</summary>
internal static class ResponseConditions
{
    public static bool Match(string response, Regex[] matches, Regex[] notMatches)
    {
        if (matches.Length == 0 || response.Length == 0) return false;
        var hit = false;
        foreach (var regex in matches)
        {
            if (Search(regex, response, timedOutResult: true)) { hit = true; break; }
        }
        if (!hit) return false;
        foreach (var regex in notMatches)
        {
            if (Search(regex, response, timedOutResult: false)) return false;
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
