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

    /// <summary>
    /// The redacted copy of an event: request, approval_owner, message and suggestions (AUD-020).
    /// The event itself when redaction changes nothing (the common case; records are immutable).
    /// </summary>
    public static AuditEvent Redact(AuditEvent e)
    {
        var d = e.Decision;
        var suggestions = d.Suggestions;
        if (!suggestions.IsDefaultOrEmpty)
        {
            ImmutableArray<string>.Builder? b = null;
            for (var i = 0; i < suggestions.Length; i++)
            {
                var s = suggestions[i];
                var clean = CredentialSanitizer.Sanitize(s);
                if (b is null)
                {
                    if (ReferenceEquals(clean, s)) continue;
                    b = ImmutableArray.CreateBuilder<string>(suggestions.Length);
                    for (var j = 0; j < i; j++) b.Add(suggestions[j]);
                }
                b.Add(clean);
            }
            if (b is not null) suggestions = b.MoveToImmutable();
        }
        var request = e.Request is null ? null : RedactValue(e.Request);
        var owner = e.ApprovalOwner is null ? null : RedactValue(e.ApprovalOwner);
        var message = CredentialSanitizer.Sanitize(d.Message);
        if (ReferenceEquals(request, e.Request) && ReferenceEquals(owner, e.ApprovalOwner) &&
            ReferenceEquals(message, d.Message) && suggestions == d.Suggestions)
            return e;
        return e with
        {
            Request = request,
            ApprovalOwner = owner,
            Decision = d with { Message = message, Suggestions = suggestions },
        };
    }

    /// <summary>Applies the map rule recursively (AUD-021); the value itself when nothing changes.</summary>
    public static AuditValue RedactValue(AuditValue value)
    {
        switch (value.Kind)
        {
            case AuditValueKind.String:
                var s = value.AsString;
                var clean = CredentialSanitizer.Sanitize(s);
                return ReferenceEquals(clean, s) || clean == s ? value : AuditValue.From(clean);
            case AuditValueKind.Array:
                var source = value.Items;
                ImmutableArray<AuditValue>.Builder? items = null;
                for (var i = 0; i < source.Length; i++)
                {
                    var item = RedactValue(source[i]);
                    if (items is null)
                    {
                        if (ReferenceEquals(item, source[i])) continue;
                        items = ImmutableArray.CreateBuilder<AuditValue>(source.Length);
                        for (var j = 0; j < i; j++) items.Add(source[j]);
                    }
                    items.Add(item);
                }
                return items is null ? value : AuditValue.Array(items.MoveToImmutable());
            case AuditValueKind.Object:
                // Keys are kept as they are, so the members stay sorted and unique.
                return AuditValue.WithMemberValues(value, static (k, v) => IsSensitiveKey(k) ? RedactedValue : RedactValue(v));
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
