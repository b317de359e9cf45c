using System.Globalization;
using System.Text;

namespace Rampart.Core.Policies;

/// <summary>Strict decoding and validation of one policy document (POL-014..POL-024).</summary>
public static class PolicyYaml
{
    /// <summary>POL-024: policy files are at most 1 MiB.</summary>
    public const int MaxFileBytes = 1 << 20;

    /// <summary>
    /// Decodes and validates <paramref name="yaml"/>; every policy gets <paramref name="source"/>.
    /// Throws <see cref="PolicyLoadException"/> with the spec's messages.
    /// </summary>
    public static PolicyDocument Parse(string yaml, string source)
    {
        var bytes = Encoding.UTF8.GetByteCount(yaml);
        if (bytes > MaxFileBytes)
        {
            throw new PolicyLoadException(string.Create(CultureInfo.InvariantCulture,
                $"engine: policy file too large ({bytes} bytes, max {MaxFileBytes})"));
        }
        PolicyDocument raw;
        try
        {
            raw = Decode(yaml);
        }
        catch (PolicyDecodeException ex)
        {
            throw new PolicyLoadException("engine: parse policy file: " + ex.Message, ex) { File = source, Line = ex.Line, Column = ex.Column };
        }
        try
        {
            return Validate(raw, source);
        }
        catch (PolicyLoadException ex) when (ex.File.Length == 0)
        {
            throw ex.In(source);
        }
    }

    /// <summary>POL-024 decoding only (no POL-014..POL-022 checks); errors carry no prefix.</summary>
    internal static PolicyDocument Decode(string yaml)
    {
        // One parser for both steps: document 1 is decoded before the stream is read any further,
        // so its decode errors still come before a syntax error in a second document, as with Go's
        // decoder called twice (issue 3: the text used to be scanned twice).
        var reader = new YamlTree.YamlDocumentReader(yaml);
        YamlNode? first;
        try
        {
            // Go's decoder reports io.EOF for a stream without documents (empty or comments only).
            if (!reader.TryRead(out first)) throw new PolicyDecodeException("EOF");
        }
        catch (YamlSyntaxException ex)
        {
            throw new PolicyDecodeException(ex.Message) { Line = ex.Line, Column = ex.Column };
        }
        var document = PolicyDecoder.Decode(first, knownFields: true);
        bool second;
        try
        {
            second = reader.TryRead(out _);
        }
        catch (YamlSyntaxException ex)
        {
            throw new PolicyDecodeException(ex.Message) { Line = ex.Line, Column = ex.Column };
        }
        if (second) throw new PolicyDecodeException("policy must contain exactly one YAML document");
        return document;
    }

    /// <summary>POL-014..POL-022 on a decoded document; errors are the spec's messages.</summary>
    internal static PolicyDocument Validate(PolicyDocument raw, string source)
    {
        var warnings = new List<string>();
        var document = PolicyValidator.Validate(raw, source, warnings);
        return warnings.Count == 0 ? document : document with { Warnings = [.. warnings] };
    }
}
