namespace Rampart.Core.Matching;

/// <summary>
/// A list of general globs compiled together. Patterns are indexed in a trie by the literal prefix
/// every match must start with, so a name only tests the patterns whose prefix it carries (plus
/// those without one), still in list order.
/// </summary>
public sealed class GlobSet
{
    public static readonly GlobSet Empty = new([]);

    private readonly GlobPattern[] _patterns;
    private readonly int[] _unprefixed;      // patterns with an empty literal prefix, ascending
    private readonly PrefixNode _root;

    private GlobSet(GlobPattern[] patterns)
    {
        _patterns = patterns;
        var root = new PrefixBuilder();
        var unprefixed = new List<int>();
        for (var i = 0; i < patterns.Length; i++)
        {
            var p = patterns[i];
            if (p.IsNever) continue;
            if (p.LiteralPrefix.Length == 0)
            {
                unprefixed.Add(i);
                continue;
            }
            var node = root;
            foreach (var c in p.LiteralPrefix) node = node.Child(c);
            node.Own.Add(i);
        }
        _unprefixed = unprefixed.ToArray();
        _root = root.Build([]);
    }

    public static GlobSet Compile(IReadOnlyList<string> patterns)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        if (patterns.Count == 0) return Empty;
        var compiled = new GlobPattern[patterns.Count];
        for (var i = 0; i < compiled.Length; i++) compiled[i] = GlobPattern.Compile(patterns[i]);
        return new GlobSet(compiled);
    }

    /// <summary>A set over patterns compiled already (they are immutable, so sets may share them).</summary>
    internal static GlobSet FromCompiled(GlobPattern[] patterns) => patterns.Length == 0 ? Empty : new GlobSet(patterns);

    public int Count => _patterns.Length;

    public bool IsEmpty => _patterns.Length == 0;

    public IReadOnlyList<GlobPattern> Patterns => _patterns;

    /// <summary>The patterns in list order (no copy).</summary>
    internal ReadOnlySpan<GlobPattern> Compiled => _patterns;

    public bool IsMatchAny(string name) => FirstMatch(name) >= 0;

    /// <summary>Index of the first pattern (in list order) that matches, or -1.</summary>
    public int FirstMatch(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (_patterns.Length == 0 || !GlobInput.FitsUtf8(name, GlobInput.MaxBytes)) return -1;

        // The deepest trie node along the name carries every prefixed pattern whose prefix the name starts with.
        ReadOnlySpan<int> prefixed = [];
        var node = _root;
        foreach (var raw in name)
        {
            var child = node.Find(raw == '\\' ? '/' : raw);
            if (child is null) break;
            node = child;
            prefixed = node.Candidates;
        }

        ReadOnlySpan<int> unprefixed = _unprefixed;
        int a = 0, b = 0;
        while (a < unprefixed.Length || b < prefixed.Length)
        {
            int index;
            if (b >= prefixed.Length || (a < unprefixed.Length && unprefixed[a] < prefixed[b])) index = unprefixed[a++];
            else index = prefixed[b++];
            if (_patterns[index].IsMatch(name.AsSpan())) return index;
        }
        return -1;
    }

    private sealed class PrefixNode(char[] keys, PrefixNode[] children, int[] candidates)
    {
        /// <summary>Patterns whose prefix ends here or at an ancestor (root excluded), ascending.</summary>
        public int[] Candidates { get; } = candidates;

        public PrefixNode? Find(char c)
        {
            var at = keys.AsSpan().IndexOf(c);
            return at < 0 ? null : children[at];
        }
    }

    private sealed class PrefixBuilder
    {
        // Few children per node (literal prefixes fan out little); a list is cheaper to build than a
        // tree, and child order does not matter to lookups.
        private readonly List<(char Key, PrefixBuilder Node)> _children = [];

        public List<int> Own { get; } = [];

        public PrefixBuilder Child(char c)
        {
            foreach (var (key, node) in _children)
            {
                if (key == c) return node;
            }
            var child = new PrefixBuilder();
            _children.Add((c, child));
            return child;
        }

        public PrefixNode Build(int[] inherited)
        {
            var candidates = Merge(inherited, Own);
            var keys = new char[_children.Count];
            var nodes = new PrefixNode[_children.Count];
            var i = 0;
            foreach (var (c, child) in _children)
            {
                keys[i] = c;
                nodes[i] = child.Build(candidates);
                i++;
            }
            return new PrefixNode(keys, nodes, candidates);
        }

        private static int[] Merge(int[] a, List<int> b)
        {
            if (b.Count == 0) return a;
            var result = new List<int>(a.Length + b.Count);
            result.AddRange(a);
            result.AddRange(b);
            result.Sort();
            return result.ToArray();
        }
    }
}
