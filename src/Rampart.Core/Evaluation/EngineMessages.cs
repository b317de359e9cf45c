namespace Rampart.Core.Evaluation;

/// <summary>The fixed engine messages of POL-093 (normative byte for byte).</summary>
internal static class EngineMessages
{
    public const string NoMatchingPolicy = "no matching policy; using default action";
    public const string NoMatchingRule = "no matching rule; using default action";
    public const string GuardDeny = "project policy cannot weaken global default deny";
    public const string GuardAsk = "project policy cannot weaken global default ask";
    public const string GuardWatch = "project policy cannot weaken global default watch";
    public const string InvalidAction = "invalid rule action; failing closed";
    public const string CounterUnavailable = "call counter capacity unavailable; refusing tool call";
    public const string OnceClaimFailed = "one-time authorization could not be claimed; failing closed";
    public const string DurableAutoAllowed = "auto-allowed by user rule";
    public const string DurableUserOverride = "allowed by durable user override";
    public const string ResponseNoPolicy = "no matching policy; response allowed";
    public const string ResponseNoRule = "no matching response rule; response allowed";
    public const string ResponseTooLarge = "response exceeds the 1048576-byte policy matching limit; failing closed";

    public const int MatchLimitBytes = 8192;
    public const int ResponseLimitBytes = 1_048_576;

    public static string Ambiguous(string error) => "ambiguous tool input (" + error + "); failing closed";

    public static string Oversized(string field, int bytes) =>
        field + " is " + bytes.ToString(System.Globalization.CultureInfo.InvariantCulture) +
        " bytes and exceeds the 8192-byte policy matching limit; failing closed";
}
