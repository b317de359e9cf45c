using System.Text;

namespace Rampart.Core.Audit;

/// <summary>The CEF line of an event (AUD-095); escaping keeps a value from forging header fields or extensions.</summary>
public static class AuditCef
{
    public static string Format(AuditEvent e, string version)
    {
        var action = e.Decision.Action;
        var message = e.Decision.Message.Length > 0 ? e.Decision.Message : action + " " + e.Tool;
        var sb = new StringBuilder(256);
        sb.Append("CEF:0|Rampart|PolicyEngine|");
        Header(sb, version);
        sb.Append('|');
        Header(sb, action);
        sb.Append('|');
        Header(sb, message);
        sb.Append('|').Append(Severity(action)).Append("|src=");
        Extension(sb, e.Agent);
        sb.Append(" cmd=");
        Extension(sb, RequestText(e, "command"));
        sb.Append(" path=");
        Extension(sb, RequestText(e, "path"));
        sb.Append(" policy=");
        Extension(sb, string.Join(',', e.Decision.MatchedPolicies.IsDefault ? [] : e.Decision.MatchedPolicies));
        return sb.ToString();
    }

    public static int Severity(string action) => action switch
    {
        "deny" => 8,
        "ask" => 5,
        "log" => 3,
        "allow" => 1,
        _ => 3,
    };

    static string RequestText(AuditEvent e, string key)
    {
        if (e.Request is null || !e.Request.TryGet(key, out var v)) return "";
        return v.Kind switch
        {
            AuditValueKind.String => v.AsString,
            AuditValueKind.Null => "",
            _ => GoJson.ToText(v),
        };
    }

    static void Header(StringBuilder sb, string value)
    {
        foreach (var c in value)
        {
            switch (c)
            {
                case '\\': sb.Append(@"\\"); break;
                case '|': sb.Append(@"\|"); break;
                case '\n': sb.Append(@"\n"); break;
                case '\r': sb.Append(@"\r"); break;
                default: sb.Append(c); break;
            }
        }
    }

    static void Extension(StringBuilder sb, string value)
    {
        foreach (var c in value)
        {
            switch (c)
            {
                case '\\': sb.Append(@"\\"); break;
                case '=': sb.Append(@"\="); break;
                case '\n': sb.Append(@"\n"); break;
                case '\r': sb.Append(@"\r"); break;
                default: sb.Append(c); break;
            }
        }
    }
}
