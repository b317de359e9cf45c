using System.Collections.Immutable;

namespace Rampart.Core.Audit;

/// <summary>
/// Redaction before anything is persisted or displayed (AUD-020, AUD-021): sensitive keys lose
/// their value, every other string is sanitised (AUD-022). Works on copies; the input is never
/// changed (the model is immutable anyway).
/// </summary>
public static class AuditRedactor
{
    static readonly string[] SensitiveNames =
    [
        "authorization", "proxyauthorization", "password", "passwd", "passphrase", "token", "accesstoken",
        "refreshtoken", "idtoken", "apikey", "secret", "clientsecret", "cookie", "setcookie", "privatekey",
        "credential", "commandb64",
    ];

    static readonly string[] SensitiveSuffixes = ["password", "token", "apikey", "secret", "privatekey"];

    static readonly AuditValue RedactedValue = AuditValue.From(CredentialSanitizer.Redacted);

    /// <summary>The redacted copy of an event: request, approval_owner, message and suggestions (AUD-020).</summary>
    public static AuditEvent Redact(AuditEvent e)
    {
        var d = e.Decision;
        var suggestions = d.Suggestions;
        if (!suggestions.IsDefaultOrEmpty)
        {
            var b = ImmutableArray.CreateBuilder<string>(suggestions.Length);
            foreach (var s in suggestions) b.Add(CredentialSanitizer.Sanitize(s));
            suggestions = b.MoveToImmutable();
        }
        return e with
        {
            Request = e.Request is null ? null : RedactValue(e.Request),
            ApprovalOwner = e.ApprovalOwner is null ? null : RedactValue(e.ApprovalOwner),
            Decision = d with { Message = CredentialSanitizer.Sanitize(d.Message), Suggestions = suggestions },
        };
    }

    /// <summary>Applies the map rule recursively (AUD-021).</summary>
    public static AuditValue RedactValue(AuditValue value)
    {
        switch (value.Kind)
        {
            case AuditValueKind.String:
                var s = value.AsString;
                var clean = CredentialSanitizer.Sanitize(s);
                return ReferenceEquals(clean, s) || clean == s ? value : AuditValue.From(clean);
            case AuditValueKind.Array:
                var items = ImmutableArray.CreateBuilder<AuditValue>(value.Items.Length);
                foreach (var item in value.Items) items.Add(RedactValue(item));
                return AuditValue.Array(items.MoveToImmutable());
            case AuditValueKind.Object:
                var members = new List<KeyValuePair<string, AuditValue>>(value.Members.Length);
                foreach (var (k, v) in value.Members)
                    members.Add(new(k, IsSensitiveKey(k) ? RedactedValue : RedactValue(v)));
                return AuditValue.Object(members);
            default:
                return value;
        }
    }

    /// <summary>
    /// A key is sensitive when its normal form (ASCII letters lower-cased, ASCII digits kept, all
    /// else dropped) is one of the listed names or ends with one of the listed suffixes (AUD-021).
    /// </summary>
    public static bool IsSensitiveKey(string key)
    {
        Span<char> buf = key.Length <= 256 ? stackalloc char[key.Length] : new char[key.Length];
        var n = 0;
        foreach (var c in key)
        {
            if (c is >= 'A' and <= 'Z') buf[n++] = (char)(c + 32);
            else if (c is >= 'a' and <= 'z' or >= '0' and <= '9') buf[n++] = c;
        }
        var norm = buf[..n];
        foreach (var name in SensitiveNames)
            if (norm.SequenceEqual(name)) return true;
        foreach (var suffix in SensitiveSuffixes)
            if (norm.EndsWith(suffix, StringComparison.Ordinal)) return true;
        return false;
    }
}
