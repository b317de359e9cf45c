using System.Buffers;
using System.Text;
using Rampart.Core.Audit;

namespace Rampart.Core.Matching;

/// <summary>Path normalisation for path conditions: cleaning, symlink resolution, candidates, variants (POL-064…POL-067).</summary>
public static class PathNames
{
    // Go's EvalSymlinks gives up after this many links (a loop, in practice).
    private const int MaxLinks = 255;

    /// <summary>
    /// Lexical cleaning (POL-064): <c>\</c>→<c>/</c>, join a relative path onto <paramref name="workdir"/>, collapse
    /// <c>//</c>, drop <c>.</c>, resolve <c>..</c>, drop a trailing <c>/</c>. No <c>~</c> expansion. An empty path stays
    /// empty (glob.yaml GL-107); any other empty result is <c>.</c>.
    /// </summary>
    public static string Clean(string path, string? workdir = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Length == 0) return "";
        var p = path.Replace('\\', '/');
        if (workdir is not null && p[0] != '/')
        {
            var w = NormalizeWorkdir(workdir);
            if (w.Length > 0) p = w + "/" + p;
        }
        return Lexical(p);
    }

    /// <summary>
    /// Follows symbolic links on disk (POL-065). A missing path resolves its longest existing ancestor and
    /// re-attaches the missing elements; any other failure leaves the cleaned path as it is.
    /// </summary>
    public static string Resolve(string cleaned)
    {
        ArgumentNullException.ThrowIfNull(cleaned);
        if (cleaned.Length == 0) return cleaned;
        // Fast path (Linux): one kernel walk that refuses every symbolic link. Success means no component
        // is a link, so the walk below would return the path as it is; ENOENT means every component before
        // the first missing one is a real directory, so the longest existing ancestor resolves to itself
        // and the missing elements re-attach to the same text. Anything else (a link, not a directory,
        // permission, no openat2) takes the component walk. Asked afresh on every call: a link can appear
        // between two calls, so nothing is remembered across resolutions.
        if (OperatingSystem.IsLinux() && IsLexicallyClean(cleaned) && NoLinksOnDisk(cleaned)) return cleaned;
        // The ancestor retries below walk the same leading components again; within one resolution
        // each entry is probed once (the answer a second probe microseconds later would give).
        return ResolveByWalk(cleaned, portable: false);
    }

    /// <summary>
    /// <see cref="Resolve"/> without the kernel fast path: the component walk, probing with <c>lstat</c>
    /// or (<paramref name="portable"/>) with .NET's file APIs — the reference the tests compare with.
    /// </summary>
    internal static string ResolveByWalk(string cleaned, bool portable)
    {
        if (cleaned.Length == 0) return cleaned;
        var memo = ProbeMemo.Begin(portable);
        try
        {
            return ResolveWith(cleaned, memo);
        }
        finally
        {
            memo.End();
        }
    }

    private static string ResolveWith(string cleaned, ProbeMemo memo)
    {
        if (TryEvalSymlinks(cleaned, out var resolved, out var missing, memo)) return resolved;
        if (!missing) return cleaned;

        var tail = new List<string>();
        var current = cleaned;
        while (true)
        {
            var parent = Dir(current);
            if (parent == current) return cleaned;
            tail.Add(Base(current));
            current = parent;
            if (TryEvalSymlinks(current, out resolved, out missing, memo))
            {
                var sb = new StringBuilder(resolved);
                for (var i = tail.Count - 1; i >= 0; i--) sb.Append('/').Append(tail[i]);
                return Lexical(sb.ToString());
            }
            if (!missing) return cleaned;
        }
    }

    /// <summary>
    /// Path candidates of a call (POL-066): the cleaned path, the resolved path, and for a relative path with a
    /// working directory also its own cleaned relative spelling; duplicates dropped. Empty path → none.
    /// </summary>
    public static IReadOnlyList<string> Candidates(string path, string workdir)
    {
        ArgumentNullException.ThrowIfNull(path);
        workdir ??= "";
        if (path.Length == 0) return [];
        var result = new List<string>(3);
        AddCandidates(path, workdir, result);
        return result;
    }

    /// <summary><see cref="Candidates"/> appended to <paramref name="result"/> (the evaluation reuses one list per thread).</summary>
    internal static void AddCandidates(string path, string workdir, List<string> result)
    {
        if (path.Length == 0) return;
        AddLexicalCandidates(path, workdir, result);
        AddResolvedCandidate(result);
    }

    /// <summary>
    /// The candidates that need no disk access (POL-066 without the POL-065 resolution): the cleaned path, and for a
    /// relative path with a working directory its own cleaned relative spelling (if different). Empty path → none.
    /// <see cref="AddResolvedCandidate"/> completes the list to exactly what <see cref="AddCandidates"/> builds.
    /// </summary>
    internal static void AddLexicalCandidates(string path, string workdir, List<string> result)
    {
        if (path.Length == 0) return;
        result.Add(Clean(path, workdir));
        if (NormalizeWorkdir(workdir).Length > 0 && !IsSlashAbsolute(path))
        {
            var relative = Clean(path);
            if (!result.Contains(relative)) result.Add(relative);
        }
    }

    /// <summary>
    /// Resolves the cleaned candidate (the first of <paramref name="lexical"/>, from <see cref="AddLexicalCandidates"/>) on
    /// disk and inserts it second when it is new: the same list, in the same order, as <see cref="AddCandidates"/> (a resolved
    /// path equal to the relative spelling is dropped either way). True when the list changed.
    /// </summary>
    internal static bool AddResolvedCandidate(List<string> lexical)
    {
        var resolved = Resolve(lexical[0]);
        if (lexical.Contains(resolved)) return false;
        lexical.Insert(1, resolved);
        return true;
    }

    // `path.Replace('\\', '/').StartsWith('/')` without the copy.
    private static bool IsSlashAbsolute(string path) => path.Length > 0 && path[0] is '/' or '\\';

    /// <summary>
    /// One pattern against one candidate (POL-067): pattern variants (the pattern, its workdir-joined form for an
    /// absolute candidate, and the symlink-resolved form of each) against candidate variants (the candidate, and its
    /// workdir-joined form for an absolute pattern), with the path matcher.
    /// </summary>
    public static bool PatternMatchesCandidate(PathGlob pattern, string candidate, string workdir)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentNullException.ThrowIfNull(candidate);
        // An empty, oversized or invalid pattern matches nothing; its cleaned, joined form must not revive it.
        if (!pattern.CanMatch) return false;
        var w = NormalizeWorkdir(workdir ?? "");
        var candidateIsAbsolute = candidate.StartsWith('/') || candidate.StartsWith('\\');
        var patternIsAbsolute = pattern.Normalized.StartsWith('/');

        string? joinedCandidate = null;
        if (w.Length > 0 && !candidateIsAbsolute && patternIsAbsolute) joinedCandidate = Clean(w + "/" + candidate.Replace('\\', '/'));

        var own = OwnVariants(pattern);
        if (AnyMatch(own, candidate, joinedCandidate)) return true;
        if (w.Length > 0 && candidateIsAbsolute && !patternIsAbsolute)
        {
            if (AnyMatch(JoinedVariants(pattern, w), candidate, joinedCandidate)) return true;
        }
        return false;
    }

    private static bool AnyMatch(PathGlob[] variants, string candidate, string? joinedCandidate)
    {
        foreach (var v in variants)
        {
            if (v.IsMatch(candidate)) return true;
            if (joinedCandidate is not null && v.IsMatch(joinedCandidate)) return true;
        }
        return false;
    }

    /// <summary>
    /// True when any of <paramref name="patterns"/> matches <paramref name="candidate"/>: the same answer
    /// as <see cref="PatternMatchesCandidate"/> pattern by pattern, with what depends only on the candidate
    /// and the working directory (normalised workdir, size check, the workdir-joined candidate) computed once.
    /// </summary>
    internal static bool AnyPatternMatches(PathGlob[] patterns, string candidate, string workdir)
    {
        if (patterns.Length == 0) return false;
        var w = NormalizeWorkdir(workdir ?? "");
        var candidateIsAbsolute = IsSlashAbsolute(candidate);
        // An oversized candidate matches no pattern (PathGlob.IsMatch); its joined form is longer still.
        var fits = GlobInput.FitsUtf8(candidate, GlobInput.MaxBytes);
        string? joined = null;
        var joinedFits = false;
        if (w.Length > 0 && !candidateIsAbsolute)
        {
            joined = Clean(w + "/" + candidate.Replace('\\', '/'));
            joinedFits = GlobInput.FitsUtf8(joined, GlobInput.MaxBytes);
        }

        // Which patterns can match at all: one pass of the list's literal automaton over the candidate
        // (and its joined form) marks every pattern one of whose own variants' required literal occurs.
        var filter = PathListFilter.Of(patterns);
        Span<ulong> possible = filter.Words <= PathListFilter.MaxStackWords ? stackalloc ulong[filter.Words] : new ulong[filter.Words];
        filter.Mark(fits ? candidate : null, joinedFits ? joined : null, possible);

        for (var i = 0; i < patterns.Length; i++)
        {
            var pattern = patterns[i];
            if (!pattern.CanMatch) continue;
            var patternIsAbsolute = pattern.Normalized.StartsWith('/');
            if ((possible[i >> 6] & (1UL << (i & 63))) != 0)
            {
                var joinedCandidate = patternIsAbsolute && joinedFits ? joined : null;
                foreach (var v in OwnVariants(pattern))
                {
                    if (fits && v.IsMatchFitting(candidate)) return true;
                    if (joinedCandidate is not null && v.IsMatchFitting(joinedCandidate)) return true;
                }
            }
            // The workdir-joined pattern variants change with the workdir: not in the filter, always tried.
            if (w.Length > 0 && candidateIsAbsolute && !patternIsAbsolute && fits)
            {
                foreach (var v in JoinedVariants(pattern, w))
                {
                    if (v.IsMatchFitting(candidate)) return true;
                }
            }
        }
        return false;
    }

    internal static PathGlob[] OwnVariantsOf(PathGlob pattern) => OwnVariants(pattern);

    /// <summary>
    /// The workdir-joined variants of a relative pattern for normalised workdir <paramref name="workdir"/>
    /// (POL-067), computed afresh: what <see cref="PatternMatchesCandidate"/> caches per pattern.
    /// </summary>
    internal static PathGlob[] ComputeJoinedVariants(PathGlob pattern, string workdir)
    {
        var text = Clean(workdir + "/" + pattern.Normalized);
        return WithResolved(PathGlob.Compile(text), text);
    }

    // The pattern and its resolved form do not depend on the call, so they are computed once per PathGlob.
    private static PathGlob[] OwnVariants(PathGlob pattern)
    {
        var cached = pattern.Variants;
        if (cached is not null) return cached.Own;
        var own = WithResolved(pattern, pattern.Normalized);
        pattern.Variants = new PathPatternVariants(own, null);
        return own;
    }

    // The workdir-joined forms depend on the working directory; the last one is kept (it rarely changes).
    private static PathGlob[] JoinedVariants(PathGlob pattern, string workdir)
    {
        var cached = pattern.Variants;
        if (cached?.Joined is { } joined && joined.Workdir == workdir) return joined.Globs;
        var own = cached?.Own ?? OwnVariants(pattern);
        var text = Clean(workdir + "/" + pattern.Normalized);
        var globs = WithResolved(PathGlob.Compile(text), text);
        pattern.Variants = new PathPatternVariants(own, new WorkdirVariants(workdir, globs));
        return globs;
    }

    private static PathGlob[] WithResolved(PathGlob glob, string text)
    {
        var resolved = ResolvePattern(text);
        return resolved == text ? [glob] : [glob, PathGlob.Compile(resolved)];
    }

    /// <summary>
    /// Resolved form of a pattern (POL-067): a pattern without meta characters is resolved as a path; otherwise
    /// the directory before the last <c>/</c> that precedes the first meta character is resolved and the rest re-attached.
    /// </summary>
    internal static string ResolvePattern(string pattern)
    {
        var text = pattern.Replace('\\', '/');
        if (text.Length == 0) return text;
        var meta = text.AsSpan().IndexOfAny("*?[");
        if (meta < 0) return Resolve(Lexical(text));
        var slash = text.LastIndexOf('/', meta);
        if (slash <= 0) return text; // no directory before the meta (or only the root): nothing to resolve
        var directory = Resolve(Lexical(text[..slash]));
        var rest = text[slash..];
        return directory.EndsWith('/') ? directory + rest[1..] : directory + rest;
    }

    internal static string NormalizeWorkdir(string workdir) => workdir.Trim().Replace('\\', '/');

    /// <summary>Go's path.Clean on a <c>/</c>-separated path.</summary>
    internal static string Lexical(string path)
    {
        if (path.Length == 0) return ".";
        // Most paths are already clean; returning them as they are saves the split and the join.
        if (IsLexicallyClean(path)) return path;
        var rooted = path[0] == '/';
        var parts = new List<string>();
        foreach (var part in path.Split('/'))
        {
            if (part.Length == 0 || part == ".") continue;
            if (part == "..")
            {
                if (parts.Count > 0 && parts[^1] != "..") parts.RemoveAt(parts.Count - 1);
                else if (!rooted) parts.Add("..");
                continue;
            }
            parts.Add(part);
        }
        var joined = string.Join('/', parts);
        if (rooted) return "/" + joined;
        return joined.Length == 0 ? "." : joined;
    }

    /// <summary>True when <see cref="Lexical"/> would return <paramref name="path"/> unchanged: no empty, <c>.</c> or <c>..</c> element and no trailing <c>/</c>.</summary>
    private static bool IsLexicallyClean(string path)
    {
        if (path == "/") return true;
        var s = path.AsSpan();
        if (s[0] == '/') s = s[1..];
        if (s.IsEmpty || s[^1] == '/') return false;
        while (true)
        {
            var slash = s.IndexOf('/');
            var part = slash < 0 ? s : s[..slash];
            if (part.IsEmpty || part is "." or "..") return false;
            if (slash < 0) return true;
            s = s[(slash + 1)..];
        }
    }

    private static string Dir(string path)
    {
        var slash = path.LastIndexOf('/');
        if (slash < 0) return ".";
        return Lexical(path[..(slash + 1)]);
    }

    private static string Base(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash < 0 ? path : path[(slash + 1)..];
    }

    internal enum Entry { Missing, Directory, Other, Link, Failed }

    /// <summary>Probe results of one <see cref="Resolve"/> (a per-thread, reused table; a handful of entries).</summary>
    private sealed class ProbeMemo
    {
        private const int Capacity = 32;

        [ThreadStatic] private static ProbeMemo? t_free;

        private readonly string[] _paths = new string[Capacity];
        private readonly Entry[] _entries = new Entry[Capacity];
        private readonly string?[] _targets = new string?[Capacity];
        private int _count;

        private bool _portable;

        public static ProbeMemo Begin(bool portable)
        {
            var memo = t_free ?? new ProbeMemo();
            t_free = null;
            memo._portable = portable;
            return memo;
        }

        public void End()
        {
            Array.Clear(_paths, 0, _count);
            Array.Clear(_targets, 0, _count);
            _count = 0;
            t_free = this;
        }

        public Entry Probe(string path, out string? target)
        {
            for (var i = 0; i < _count; i++)
            {
                if (string.Equals(_paths[i], path, StringComparison.Ordinal))
                {
                    target = _targets[i];
                    return _entries[i];
                }
            }
            var entry = _portable ? ProbePortable(path, out target) : PathNames.Probe(path, out target);
            if (_count < Capacity)
            {
                _paths[_count] = path;
                _entries[_count] = entry;
                _targets[_count] = target;
                _count++;
            }
            return entry;
        }
    }

    // Paths up to this many UTF-8 bytes are encoded on the stack; longer ones (rare) in a pooled buffer.
    private const int StackPathBytes = 512;

    /// <summary>True when <see cref="UnixFile.ProbeNoSymlinks"/> settles the resolution: the path resolves to itself.</summary>
    private static bool NoLinksOnDisk(string path)
    {
        // A NUL cannot be passed to the kernel (it would cut the path short); the walk reports it as a failure.
        if (path.Contains('\0')) return false;
        byte[]? rented = null;
        var max = Encoding.UTF8.GetMaxByteCount(path.Length) + 1;
        Span<byte> buffer = max <= StackPathBytes ? stackalloc byte[max] : (rented = ArrayPool<byte>.Shared.Rent(max));
        try
        {
            var n = Encoding.UTF8.GetBytes(path, buffer);
            buffer[n] = 0;
            return UnixFile.ProbeNoSymlinks(buffer[..(n + 1)]) != UnixFile.NoSymlinkProbe.Unknown;
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// One entry of the walk: a single <c>lstat</c>, plus <c>readlink</c> for a link (Linux); the portable
    /// probe elsewhere. Same answers as <see cref="ProbePortable"/>: a dangling link is a link, a failed
    /// lstat is missing, a NUL in the path is a failure.
    /// </summary>
    private static Entry Probe(string path, out string? target)
    {
        if (!OperatingSystem.IsLinux()) return ProbePortable(path, out target);
        target = null;
        if (path.Contains('\0')) return Entry.Failed;
        byte[]? rented = null;
        var max = Encoding.UTF8.GetMaxByteCount(path.Length) + 1;
        Span<byte> buffer = max <= StackPathBytes ? stackalloc byte[max] : (rented = ArrayPool<byte>.Shared.Rent(max));
        try
        {
            var n = Encoding.UTF8.GetBytes(path, buffer);
            buffer[n] = 0;
            var path0 = buffer[..(n + 1)];
            switch (UnixFile.LStatKind(path0, out _))
            {
                case UnixFileKind.Directory:
                    return Entry.Directory;
                case UnixFileKind.Symlink:
                    target = UnixFile.ReadLink(path0);
                    return target is null ? Entry.Failed : Entry.Link;
                case null:
                    // Every lstat failure counts as missing, as with the portable probe: .NET's
                    // FileInfo reports "does not exist" for ENOENT, ENOTDIR, ENAMETOOLONG and EACCES
                    // alike. (POL-065 reads "permission → the cleaned path"; keeping the resolved
                    // ancestor instead only adds a candidate, which restrictive rules also see.)
                    return Entry.Missing;
                default:
                    return Entry.Other;
            }
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>The probe through .NET's file APIs (non-Linux; also the reference the tests compare with).</summary>
    internal static Entry ProbePortable(string path, out string? target)
    {
        target = null;
        try
        {
            // Fast path without allocating for the common existing non-link: stat says it exists, so
            // ResolveLinkTarget cannot fail on "missing" and tells whether it is a link.
            var isDirectory = Directory.Exists(path);
            if ((isDirectory || File.Exists(path)) && File.ResolveLinkTarget(path, returnFinalTarget: false) is null)
                return isDirectory ? Entry.Directory : Entry.Other;

            // Links (whose raw text is needed, not the absolute target ResolveLinkTarget returns),
            // dangling links and missing entries.
            var info = new FileInfo(path);
            target = info.LinkTarget;
            if (target is not null) return Entry.Link;
            if (isDirectory) return Entry.Directory;
            return info.Exists ? Entry.Other : Entry.Missing;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return Entry.Failed;
        }
    }

    /// <summary>
    /// Go's filepath.EvalSymlinks walk: component by component, splicing in link targets. <paramref name="missing"/>
    /// tells "does not exist" apart from other failures (not a directory, permission, too many links).
    /// </summary>
    private static bool TryEvalSymlinks(string input, out string result, out bool missing, ProbeMemo memo)
    {
        result = input;
        missing = false;
        var path = input;
        var volLen = path.StartsWith('/') ? 1 : 0;
        var vol = path[..volLen];
        var dest = vol;
        var links = 0;
        for (int start = volLen, end = volLen; start < path.Length; start = end)
        {
            while (start < path.Length && path[start] == '/') start++;
            end = start;
            while (end < path.Length && path[end] != '/') end++;
            if (end == start) break;
            var component = path.AsSpan(start, end - start);
            if (component is ".") continue;
            if (component is "..")
            {
                var r = dest.Length - 1;
                while (r >= volLen && dest[r] != '/') r--;
                if (r < volLen || dest.AsSpan(r + 1) is "..")
                {
                    if (dest.Length > volLen) dest += "/";
                    dest += "..";
                }
                else
                {
                    dest = dest[..r];
                }
                continue;
            }

            // One string per step instead of two.
            dest = dest.Length > 0 && dest[^1] != '/' ? string.Concat(dest, "/", component) : string.Concat(dest, component);
            switch (memo.Probe(dest, out var link))
            {
                case Entry.Missing:
                    missing = true;
                    return false;
                case Entry.Failed:
                    return false;
                case Entry.Other:
                    if (end < path.Length) return false; // not a directory
                    continue;
                case Entry.Directory:
                    continue;
            }

            if (++links > MaxLinks) return false;
            path = link + path[end..];
            if (link!.StartsWith('/'))
            {
                dest = "/";
                end = 1;
                vol = "/";
                volLen = 1;
            }
            else
            {
                var r = dest.Length - 1;
                while (r >= volLen && dest[r] != '/') r--;
                dest = r < volLen ? vol : dest[..r];
                end = 0;
            }
        }
        result = Lexical(dest);
        return true;
    }
}

/// <summary>Pattern variants of a <see cref="PathGlob"/> that <see cref="PathNames.PatternMatchesCandidate"/> reuses.</summary>
internal sealed record PathPatternVariants(PathGlob[] Own, WorkdirVariants? Joined);

/// <summary>The workdir-joined pattern variants for one working directory.</summary>
internal sealed record WorkdirVariants(string Workdir, PathGlob[] Globs);

/// <summary>
/// The literal pre-filter of one pattern list (a condition's <c>path_matches</c> or <c>path_not_matches</c>):
/// an Aho–Corasick automaton over the required literal of every own variant (the pattern and its resolved
/// form, POL-067) of every pattern. A variant can only match a name containing its required literal
/// (folded: <see cref="LiteralAutomaton.Fold"/>), so unmarked patterns are skipped without changing the
/// answer. Patterns with a variant that has no usable literal are always marked; a pattern repeating an
/// earlier one's normalised text (<c>**\.ssh\id_*</c> after <c>**/.ssh/id_*</c>) never is (same matcher,
/// same answer). Built on first use and kept on the list's first glob. Indexed walks use the bucket-wide
/// <c>PathIndex</c> instead; this filter serves the others (policy filters, caller-scoped buckets, explain).
/// </summary>
internal sealed class PathListFilter
{
    public const int MaxStackWords = 16;

    private readonly PathGlob[] _patterns;
    private readonly LiteralAutomaton? _automaton;
    private readonly ulong[] _always;

    private PathListFilter(PathGlob[] patterns, LiteralAutomaton? automaton, ulong[] always)
    {
        _patterns = patterns;
        _automaton = automaton;
        _always = always;
    }

    public int Words => _always.Length;

    public static PathListFilter Of(PathGlob[] patterns)
    {
        var head = patterns[0];
        if (head.ListFilter is { } cached && ReferenceEquals(cached._patterns, patterns)) return cached;
        var built = Build(patterns);
        head.ListFilter = built;
        return built;
    }

    private static PathListFilter Build(PathGlob[] patterns)
    {
        var always = new ulong[(patterns.Length + 63) >> 6];
        var literals = new List<(string Literal, int Tag)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < patterns.Length; i++)
        {
            var pattern = patterns[i];
            if (!pattern.CanMatch || !seen.Add(pattern.Normalized)) continue;
            var variants = PathNames.OwnVariantsOf(pattern);
            var unfiltered = false;
            foreach (var v in variants)
            {
                var literal = LiteralAutomaton.FoldLiteral(v.RequiredText);
                if (literal.Length == 0) unfiltered = true;
                else literals.Add((literal, i));
            }
            if (unfiltered) always[i >> 6] |= 1UL << (i & 63);
        }
        // No dense table: indexed walks use the bucket's PathIndex; these lists serve the walks without one
        // (policy filters, caller-scoped buckets, explain), and there are many of them.
        return new PathListFilter(patterns, literals.Count == 0 ? null : LiteralAutomaton.Build(literals, dense: false), always);
    }

    /// <summary>Sets in <paramref name="bits"/> the patterns that may match <paramref name="candidate"/> or <paramref name="joined"/> (null: not tried).</summary>
    public void Mark(string? candidate, string? joined, Span<ulong> bits)
    {
        _always.CopyTo(bits);
        if (_automaton is null) return;
        if (candidate is not null) _automaton.Mark(candidate, bits);
        if (joined is not null) _automaton.Mark(joined, bits);
    }
}