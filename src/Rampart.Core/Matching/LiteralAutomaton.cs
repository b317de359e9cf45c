namespace Rampart.Core.Matching;

/// <summary>
/// An Aho–Corasick automaton over many literals, each tagged with an integer: one pass over a text
/// marks the tag of every literal that occurs in it, whatever the number of literals. Literals and
/// text are compared folded (<see cref="Fold"/>: invariant lower case, <c>\</c> read as <c>/</c>), which
/// makes an occurrence a necessary condition for the case-sensitive, case-insensitive and
/// slash-folding matchers alike. ASCII text steps through a dense table (one load per unit, issue 2),
/// other units through the edge lists. Immutable once built; safe for concurrent scans.
/// </summary>
internal sealed class LiteralAutomaton
{
    // Node 0 is the root. Edges of node n: _keys/_targets[_edgeStart[n] .. _edgeStart[n + 1]).
    readonly int[] _edgeStart;
    readonly char[] _keys;
    readonly int[] _targets;
    readonly int[] _fail;
    // Nearest node on the failure chain (itself included) that ends a literal, or 0 for none.
    readonly int[] _output;
    // Tags of the literals ending at node n: _tags[_tagStart[n] .. _tagStart[n + 1]).
    readonly int[] _tagStart;
    readonly int[] _tags;
    // ASCII text runs on a dense table: _asciiClass maps a raw ASCII unit to the column of its folded
    // form (0 for a unit no literal contains, whose move is always to the root), and
    // _delta[node * _classes + column] is the move with the failure links already followed. Node numbers
    // are those of the edge lists, so non-ASCII units (stepped through the edges) and ASCII ones mix.
    // Entries are 16-bit node numbers (half the memory of int entries: the standard profile's rule
    // index alone is ~5 000 nodes × 62 columns, and the table stays resident, issue 3's idle RSS). With
    // more nodes than that, beyond MaxDenseEntries (2 MiB of table: thousands of policies), or when the
    // builder asks for none (automata off the hot path), the edge lists alone are used.
    const int MaxDenseEntries = 1 << 20;
    readonly byte[] _asciiClass;
    readonly int _classes;
    readonly ushort[]? _delta;
    readonly int[] _rootAscii;

    LiteralAutomaton(int[] edgeStart, char[] keys, int[] targets, int[] fail, int[] output, int[] tagStart, int[] tags, int[] breadthFirst, bool dense)
    {
        _edgeStart = edgeStart;
        _keys = keys;
        _targets = targets;
        _fail = fail;
        _output = output;
        _tagStart = tagStart;
        _tags = tags;

        _asciiClass = new byte[128];
        var columnOf = new int[128];
        var classes = 1;
        foreach (var k in keys)
        {
            if (k < 128 && columnOf[k] == 0) columnOf[k] = classes++;
        }
        for (var c = 0; c < 128; c++) _asciiClass[c] = (byte)columnOf[Fold((char)c)];
        _classes = classes;
        _rootAscii = new int[128];
        for (var e = edgeStart[0]; e < edgeStart[1]; e++)
        {
            if (keys[e] < 128) _rootAscii[keys[e]] = targets[e];
        }
        var nodes = edgeStart.Length - 1;
        if (!dense || nodes > ushort.MaxValue + 1 || (long)nodes * classes > MaxDenseEntries) return;
        _delta = new ushort[nodes * classes];
        // Breadth first: a node's failure target has its row complete before the node's own row is filled.
        foreach (var node in breadthFirst)
        {
            var row = node * classes;
            var failRow = fail[node] * classes;
            for (var col = 1; col < classes; col++) _delta[row + col] = node == 0 ? (ushort)0 : _delta[failRow + col];
            for (var e = edgeStart[node]; e < edgeStart[node + 1]; e++)
            {
                if (keys[e] < 128) _delta[row + columnOf[keys[e]]] = (ushort)targets[e];
            }
        }
    }

    /// <summary>The folding both sides go through: invariant lower case per UTF-16 unit, <c>\</c>→<c>/</c>.</summary>
    public static char Fold(char c)
    {
        if (c < 128)
        {
            if (c == '\\') return '/';
            return c is >= 'A' and <= 'Z' ? (char)(c | 0x20) : c;
        }
        return char.ToLowerInvariant(c);
    }

    /// <summary>
    /// The folded form of a literal every match contains, or "" when none is usable. Surrogates end a
    /// run: a pair can lower-case as a whole (string casing) where unit-wise folding would not, so only
    /// surrogate-free text is compared; any part of a required literal is itself required.
    /// </summary>
    public static string FoldLiteral(string literal)
    {
        var best = "";
        var start = 0;
        for (var i = 0; i <= literal.Length; i++)
        {
            if (i < literal.Length && !char.IsSurrogate(literal[i])) continue;
            if (i - start > best.Length) best = literal[start..i];
            start = i + 1;
        }
        return string.Create(best.Length, best, static (span, text) =>
        {
            for (var i = 0; i < span.Length; i++) span[i] = Fold(text[i]);
        });
    }

    /// <summary>
    /// Builds the automaton; <paramref name="literals"/> must be folded and non-empty. <paramref name="dense"/>
    /// adds the ASCII transition table (faster marking, more memory): for automata every call runs.
    /// </summary>
    public static LiteralAutomaton Build(IReadOnlyList<(string Literal, int Tag)> literals, bool dense = true)
    {
        var children = new List<Dictionary<char, int>> { new() };
        var tagLists = new List<List<int>?> { null };
        foreach (var (literal, tag) in literals)
        {
            var node = 0;
            foreach (var c in literal)
            {
                if (!children[node].TryGetValue(c, out var next))
                {
                    next = children.Count;
                    children.Add(new Dictionary<char, int>());
                    tagLists.Add(null);
                    children[node][c] = next;
                }
                node = next;
            }
            (tagLists[node] ??= []).Add(tag);
        }

        var count = children.Count;
        var edgeStart = new int[count + 1];
        var edges = 0;
        for (var n = 0; n < count; n++)
        {
            edgeStart[n] = edges;
            edges += children[n].Count;
        }
        edgeStart[count] = edges;
        var keys = new char[edges];
        var targets = new int[edges];
        for (var n = 0; n < count; n++)
        {
            var e = edgeStart[n];
            foreach (var (c, target) in children[n])
            {
                keys[e] = c;
                targets[e] = target;
                e++;
            }
        }

        // Breadth first, so every failure target is finished before the nodes that use it.
        var fail = new int[count];
        var output = new int[count];
        var breadthFirst = new List<int>(count) { 0 };
        var queue = new Queue<int>();
        foreach (var (_, child) in children[0]) queue.Enqueue(child);
        while (queue.Count > 0)
        {
            var node = queue.Dequeue();
            breadthFirst.Add(node);
            output[node] = tagLists[node] is not null ? node : output[fail[node]];
            foreach (var (c, child) in children[node])
            {
                var f = fail[node];
                var target = 0;
                while (true)
                {
                    if (children[f].TryGetValue(c, out var t) && t != child) { target = t; break; }
                    if (f == 0) break;
                    f = fail[f];
                }
                fail[child] = target;
                queue.Enqueue(child);
            }
        }

        var tagStart = new int[count + 1];
        var all = new List<int>();
        for (var n = 0; n < count; n++)
        {
            tagStart[n] = all.Count;
            if (tagLists[n] is { } list) all.AddRange(list);
        }
        tagStart[count] = all.Count;
        return new LiteralAutomaton(edgeStart, keys, targets, fail, output, tagStart, [.. all], [.. breadthFirst], dense);
    }

    /// <summary>True when ASCII text runs on the dense table.</summary>
    internal bool IsDense => _delta is not null;

    /// <summary>Nodes and dense-table columns (diagnostics for tests).</summary>
    internal (int Nodes, int Columns) Size => (_edgeStart.Length - 1, _classes);

    /// <summary>Sets bit <c>tag</c> of <paramref name="bits"/> for every literal occurring in <paramref name="text"/>.</summary>
    public void Mark(ReadOnlySpan<char> text, Span<ulong> bits)
    {
        if (_delta is not { } delta)
        {
            MarkSparse(text, bits);
            return;
        }
        var node = 0;
        var asciiClass = _asciiClass;
        var classes = _classes;
        var output = _output;
        foreach (var raw in text)
        {
            if (raw < 128)
            {
                node = delta[node * classes + asciiClass[raw]];
            }
            else
            {
                var c = Fold(raw);
                while (true)
                {
                    var next = Step(node, c);
                    if (next != 0) { node = next; break; }
                    if (node == 0) break;
                    node = _fail[node];
                }
            }
            if (output[node] != 0) MarkOutputs(node, bits);
        }
    }

    /// <summary>The same marking through the edge lists only (no dense table); the differential test compares the two.</summary>
    internal void MarkSparse(ReadOnlySpan<char> text, Span<ulong> bits)
    {
        var node = 0;
        foreach (var raw in text)
        {
            var c = Fold(raw);
            while (true)
            {
                var next = node == 0 && c < 128 ? _rootAscii[c] : Step(node, c);
                if (next != 0) { node = next; break; }
                if (node == 0) break;
                node = _fail[node];
            }
            if (_output[node] != 0) MarkOutputs(node, bits);
        }
    }

    void MarkOutputs(int node, Span<ulong> bits)
    {
        for (var o = _output[node]; o != 0; o = _output[_fail[o]])
        {
            for (var t = _tagStart[o]; t < _tagStart[o + 1]; t++)
            {
                var tag = _tags[t];
                bits[tag >> 6] |= 1UL << (tag & 63);
            }
        }
    }

    int Step(int node, char c)
    {
        var start = _edgeStart[node];
        var at = _keys.AsSpan(start, _edgeStart[node + 1] - start).IndexOf(c);
        return at < 0 ? 0 : _targets[start + at];
    }
}
