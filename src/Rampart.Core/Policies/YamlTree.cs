using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Rampart.Core.Policies;

internal enum YamlKind { Scalar, Sequence, Mapping }

/// <summary>
/// One YAML node as Go yaml.v3 sees it: kind, source text, whether the scalar was quoted/block
/// ("indicated string"), explicit tag and 1-based line. Aliases are resolved to the anchored node,
/// so a subtree may be shared.
/// </summary>
internal sealed class YamlNode
{
    public required YamlKind Kind { get; init; }
    /// <summary>Scalar text as written (after YAML unescaping); "" for collections.</summary>
    public string Value { get; init; } = "";
    /// <summary>Quoted, literal or folded scalar: always a string (yaml.v3 <c>indicatedString</c>).</summary>
    public bool IsIndicatedString { get; init; }
    /// <summary>Explicit tag in short form (<c>!!str</c>, <c>!!int</c> …) or "" when none.</summary>
    public string Tag { get; init; } = "";
    public int Line { get; init; }
    public int Column { get; init; }
    public List<YamlNode> Items { get; } = [];
    /// <summary>Node count with aliases expanded (bounds alias bombs).</summary>
    public long ExpandedSize { get; set; } = 1;

    /// <summary>A plain scalar that resolves to null (<c>~</c>, <c>null</c>, empty) or an explicit <c>!!null</c>.</summary>
    public bool IsNull =>
        Kind == YamlKind.Scalar && (Tag == "!!null" ||
            (Tag.Length == 0 && !IsIndicatedString && Value is "" or "~" or "null" or "Null" or "NULL"));

    /// <summary>A <c>&lt;&lt;</c> merge key (plain, untagged, or tagged <c>!!merge</c>).</summary>
    public bool IsMergeKey =>
        Kind == YamlKind.Scalar && Value == "<<" && !IsIndicatedString && (Tag.Length == 0 || Tag == "!!merge");

    /// <summary>The yaml.v3 short tag used in messages (<c>!!str</c>, <c>!!int</c>, <c>!!seq</c> …).</summary>
    public string ShortTag
    {
        get
        {
            if (Tag.Length > 0) return Tag;
            return Kind switch
            {
                YamlKind.Sequence => "!!seq",
                YamlKind.Mapping => "!!map",
                _ => IsIndicatedString ? "!!str" : YamlScalars.ResolveTag(Value),
            };
        }
    }
}

/// <summary>A YAML syntax error with a yaml.v3-style message (<c>yaml: line N: problem</c>).</summary>
internal sealed class YamlSyntaxException(string message) : Exception(message)
{
    /// <summary>Where YamlDotNet stopped (1-based; 0 when unknown) — the message keeps yaml.v3's own line.</summary>
    public int Line { get; init; }
    public int Column { get; init; }
}

/// <summary>Composes YAML text into <see cref="YamlNode"/> documents using YamlDotNet's event parser (AOT-safe).</summary>
internal static class YamlTree
{
    /// <summary>
    /// Parses up to <paramref name="maxDocuments"/> documents (stopping there, like a streaming
    /// decoder that never reads further). A stream without documents yields an empty list.
    /// </summary>
    public static List<YamlNode?> Parse(string text, int maxDocuments)
    {
        var documents = new List<YamlNode?>();
        var reader = new YamlDocumentReader(text);
        while (documents.Count < maxDocuments && reader.TryRead(out var root)) documents.Add(root);
        return documents;
    }

    /// <summary>
    /// Reads the documents of one stream one at a time, so a caller can act on the first before the
    /// parser goes on (the policy decoder decodes document 1 and only then looks for a second one,
    /// POL-024) without scanning the text twice (issue 3: cold start, the scanner is most of a load).
    /// </summary>
    internal sealed class YamlDocumentReader(string text)
    {
        readonly Parser _parser = new(new StringReader(text));
        readonly Dictionary<string, YamlNode> _anchors = new(StringComparer.Ordinal);
        readonly Stack<int> _open = new();
        bool _started;

        /// <summary>The next document (null root for an empty one); false at the end of the stream.</summary>
        public bool TryRead(out YamlNode? root)
        {
            root = null;
            try
            {
                if (!_started)
                {
                    _started = true;
                    _parser.Consume<StreamStart>();
                }
                if (!_parser.Accept<DocumentStart>(out _)) return false;
                _parser.Consume<DocumentStart>();
                _anchors.Clear();
                if (!_parser.Accept<DocumentEnd>(out _)) root = ReadNode(_parser, _anchors, _open);
                _parser.Consume<DocumentEnd>();
                return true;
            }
            catch (YamlException ex)
            {
                throw new YamlSyntaxException(GoStyleMessage(ex, _open.Count > 0 ? _open.Peek() : 0))
                {
                    Line = (int)ex.Start.Line,
                    Column = (int)ex.Start.Column,
                };
            }
            catch (InvalidOperationException)
            {
                // YamlDotNet gives up on some malformed flow collections without a YamlException.
                var line = _open.Count > 0 ? _open.Peek() - 1 : 0;
                throw new YamlSyntaxException(line > 0
                    ? string.Create(CultureInfo.InvariantCulture, $"yaml: line {line}: did not find expected node content")
                    : "yaml: did not find expected node content");
            }
        }
    }

    static YamlNode ReadNode(IParser parser, Dictionary<string, YamlNode> anchors, Stack<int> open)
    {
        var current = parser.Current ?? throw new YamlSyntaxException("yaml: unexpected end of stream");
        switch (current)
        {
            case AnchorAlias alias:
                parser.MoveNext();
                if (!anchors.TryGetValue(alias.Value.Value, out var target))
                {
                    throw new YamlSyntaxException($"yaml: unknown anchor '{alias.Value.Value}' referenced");
                }
                return target;
            case Scalar scalar:
            {
                parser.MoveNext();
                var node = new YamlNode
                {
                    Kind = YamlKind.Scalar,
                    Value = scalar.Value,
                    IsIndicatedString = scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted
                        or ScalarStyle.Literal or ScalarStyle.Folded,
                    Tag = ShortenTag(scalar.Tag),
                    Line = (int)scalar.Start.Line,
                    Column = (int)scalar.Start.Column,
                };
                Remember(anchors, scalar.Anchor, node);
                return node;
            }
            case SequenceStart seq:
            {
                parser.MoveNext();
                var node = new YamlNode
                {
                    Kind = YamlKind.Sequence, Tag = ShortenTag(seq.Tag),
                    Line = (int)seq.Start.Line, Column = (int)seq.Start.Column,
                };
                Open(open, node.Line);
                while (!parser.TryConsume<SequenceEnd>(out _)) node.Items.Add(ReadNode(parser, anchors, open));
                open.Pop();
                Complete(node);
                Remember(anchors, seq.Anchor, node);
                return node;
            }
            case MappingStart map:
            {
                parser.MoveNext();
                var node = new YamlNode
                {
                    Kind = YamlKind.Mapping, Tag = ShortenTag(map.Tag),
                    Line = (int)map.Start.Line, Column = (int)map.Start.Column,
                };
                Open(open, node.Line);
                while (!parser.TryConsume<MappingEnd>(out _))
                {
                    node.Items.Add(ReadNode(parser, anchors, open));
                    node.Items.Add(ReadNode(parser, anchors, open));
                }
                open.Pop();
                Complete(node);
                Remember(anchors, map.Anchor, node);
                return node;
            }
            default:
                throw new YamlSyntaxException("yaml: unexpected " + current.GetType().Name);
        }
    }

    /// <summary>
    /// POL-024: nesting deeper than this is a syntax error. yaml.v3 stops at 10 000 levels; the tree here
    /// (and the decoder's walks over it) recurse once per level at roughly half a KiB of stack each, so
    /// 10 000 levels overflow a thread-pool thread's stack and kill the process — a 40 KiB file of
    /// <c>[</c> did (fuzz finding, issue 8). A policy nests about eight levels deep (a test case's
    /// params a few more), so any file this deep fails to load in upstream too, only with a type
    /// error instead of this message.
    /// </summary>
    internal const int MaxDepth = 256;

    static void Open(Stack<int> open, int line)
    {
        if (open.Count >= MaxDepth)
        {
            throw new YamlSyntaxException(string.Create(CultureInfo.InvariantCulture, $"yaml: line {line}: exceeded max depth of {MaxDepth}"));
        }
        open.Push(line);
    }

    /// <summary>
    /// Anchors are registered only once their node is complete, so an alias can never refer to an
    /// enclosing node (yaml.v3 rejects such cycles too). The expanded size bounds "billion laughs"
    /// documents, which yaml.v3 rejects as excessive aliasing.
    /// </summary>
    static void Complete(YamlNode node)
    {
        long size = 1;
        foreach (var item in node.Items) size += item.ExpandedSize;
        if (size > MaxExpandedNodes) throw new YamlSyntaxException("yaml: document contains excessive aliasing");
        node.ExpandedSize = size;
    }

    const long MaxExpandedNodes = 4_000_000;

    static void Remember(Dictionary<string, YamlNode> anchors, AnchorName anchor, YamlNode node)
    {
        if (!anchor.IsEmpty) anchors[anchor.Value] = node;
    }

    static string ShortenTag(TagName tag)
    {
        if (tag.IsEmpty || tag.IsNonSpecific) return "";
        const string Prefix = "tag:yaml.org,2002:";
        var value = tag.Value;
        return value.StartsWith(Prefix, StringComparison.Ordinal) ? "!!" + value[Prefix.Length..] : value;
    }

    /// <summary>
    /// Rewrites a YamlDotNet error into the shape Go yaml.v3 reports (<c>yaml: line N: problem</c>).
    /// yaml.v3 prints libyaml's 0-based context line when it is non-zero (for parser errors the
    /// start of the enclosing collection — an upstream quirk visible in lint output, POL-094),
    /// else the problem line; scanner errors get one added.
    /// </summary>
    static string GoStyleMessage(YamlException ex, int openCollectionLine)
    {
        var message = ex.Message.Trim();
        var isScanner = message.StartsWith("While scanning ", StringComparison.Ordinal);
        if (message.StartsWith("While parsing ", StringComparison.Ordinal) || isScanner)
        {
            var comma = message.IndexOf(", ", StringComparison.Ordinal);
            if (comma > 0) message = message[(comma + 2)..];
        }
        if (message.EndsWith('.')) message = message[..^1];
        if (message.Length > 0) message = char.ToLowerInvariant(message[0]) + message[1..];
        int line;
        if (isScanner)
        {
            var context = (int)ex.Start.Line - 1;
            line = context != 0 ? context + 1 : (int)ex.End.Line;
        }
        else
        {
            var context = openCollectionLine - 1;
            line = context > 0 ? context : (int)ex.Start.Line - 1;
        }
        return line > 0
            ? string.Create(CultureInfo.InvariantCulture, $"yaml: line {line}: {message}")
            : "yaml: " + message;
    }
}
