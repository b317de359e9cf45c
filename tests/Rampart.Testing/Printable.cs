using System.Text;

namespace Rampart.Testing;

/// <summary>Test names and failure messages that stay readable when the text has control characters, non-ASCII or lone surrogates.</summary>
public static class Printable
{
    /// <summary>The text with every character outside printable ASCII written as <c>\uXXXX</c>.</summary>
    public static string Escape(string s)
    {
        var b = new StringBuilder();
        foreach (var c in s) b.Append(c is < ' ' or > '~' ? $"\\u{(int)c:X4}" : c.ToString());
        return b.ToString();
    }
}
