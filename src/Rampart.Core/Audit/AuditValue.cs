using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;

namespace Rampart.Core.Audit;

/// <summary>The kinds of JSON value an audit record can hold.</summary>
public enum AuditValueKind
{
    Null,
    Bool,
    Number,
    String,
    Array,
    Object,
}

/// <summary>
/// An immutable JSON value with Go <c>encoding/json</c> semantics (AUD-031): numbers are IEEE-754
/// doubles, object members are unique and kept sorted by the UTF-8 byte order of their keys, strings
/// are valid Unicode (lone surrogates become U+FFFD at construction, as they would after a Go
/// round trip — otherwise our own lines could sort differently when re-parsed and fail to verify).
/// </summary>
public sealed class AuditValue
{
    public static readonly AuditValue Null = new(AuditValueKind.Null, false, 0, null, default, default);
    public static readonly AuditValue True = new(AuditValueKind.Bool, true, 0, null, default, default);
    public static readonly AuditValue False = new(AuditValueKind.Bool, false, 0, null, default, default);
    public static readonly AuditValue EmptyObject = new(AuditValueKind.Object, false, 0, null, default, []);

    readonly bool _bool;
    readonly double _number;
    readonly string? _string;
    readonly ImmutableArray<AuditValue> _items;
    readonly ImmutableArray<KeyValuePair<string, AuditValue>> _members;

    AuditValue(AuditValueKind kind, bool b, double n, string? s, ImmutableArray<AuditValue> items,
        ImmutableArray<KeyValuePair<string, AuditValue>> members)
    {
        Kind = kind;
        _bool = b;
        _number = n;
        _string = s;
        _items = items;
        _members = members;
    }

    public AuditValueKind Kind { get; }

    public bool IsNull => Kind == AuditValueKind.Null;
    public bool IsObject => Kind == AuditValueKind.Object;

    public bool AsBool => Kind == AuditValueKind.Bool ? _bool : throw WrongKind(AuditValueKind.Bool);
    public double AsNumber => Kind == AuditValueKind.Number ? _number : throw WrongKind(AuditValueKind.Number);
    public string AsString => Kind == AuditValueKind.String ? _string! : throw WrongKind(AuditValueKind.String);

    /// <summary>Array elements in order (empty for non-arrays).</summary>
    public ImmutableArray<AuditValue> Items => Kind == AuditValueKind.Array ? _items : [];

    /// <summary>Object members, unique keys, sorted by UTF-8 byte order (empty for non-objects).</summary>
    public ImmutableArray<KeyValuePair<string, AuditValue>> Members => Kind == AuditValueKind.Object ? _members : [];

    public static AuditValue From(bool value) => value ? True : False;

    public static AuditValue From(double value)
    {
        // Go refuses to marshal NaN and infinities; reject them where they enter, not at write time.
        if (!double.IsFinite(value)) throw new ArgumentOutOfRangeException(nameof(value), "audit numbers must be finite");
        return new(AuditValueKind.Number, false, value, null, default, default);
    }

    public static AuditValue From(string value) =>
        new(AuditValueKind.String, false, 0, Utf16Text.Scrub(value ?? ""), default, default);

    public static AuditValue Array(IEnumerable<AuditValue> items) =>
        new(AuditValueKind.Array, false, 0, null, [.. items], default);

    public static AuditValue Array(ImmutableArray<AuditValue> items) =>
        new(AuditValueKind.Array, false, 0, null, items.IsDefault ? [] : items, default);

    /// <summary>An object from members in any order; a repeated key keeps its last value (Go).</summary>
    public static AuditValue Object(IEnumerable<KeyValuePair<string, AuditValue>> members)
    {
        var builder = members.TryGetNonEnumeratedCount(out var count)
            ? ImmutableArray.CreateBuilder<KeyValuePair<string, AuditValue>>(count)
            : ImmutableArray.CreateBuilder<KeyValuePair<string, AuditValue>>();
        foreach (var (rawKey, value) in members) builder.Add(new(Utf16Text.Scrub(rawKey), value));
        return FromScrubbedMembers(builder);
    }

    /// <summary>
    /// Sorts and de-duplicates members whose keys are already scrubbed, in place; the builder is
    /// consumed. Every record builds one or two small objects (the request map), so this avoids the
    /// index dictionary and the copies of the general case: a stable sort orders the members
    /// (stable, so repeated keys stay in input order) and a repeated key keeps its last value.
    /// </summary>
    static AuditValue FromScrubbedMembers(ImmutableArray<KeyValuePair<string, AuditValue>>.Builder members)
    {
        var n = members.Count;
        if (n == 0) return EmptyObject;
        if (n > 1)
        {
            if (!IsStrictlySorted(members))
            {
                // Insertion sort for the small maps of real records; a stable sort of a copy for large ones.
                if (n <= 16) InsertionSort(members);
                else
                {
                    var sorted = members.ToArray();
                    var order = Enumerable.Range(0, n).ToArray();
                    System.Array.Sort(order, (a, b) =>
                    {
                        var c = Utf8Order.Instance.Compare(sorted[a].Key, sorted[b].Key);
                        return c != 0 ? c : a.CompareTo(b);
                    });
                    for (var i = 0; i < n; i++) members[i] = sorted[order[i]];
                }
                // Equal keys are now adjacent, in input order: keep the last of each run.
                var w = 0;
                for (var i = 0; i < n; i++)
                {
                    if (i + 1 < n && string.Equals(members[i].Key, members[i + 1].Key, StringComparison.Ordinal)) continue;
                    members[w++] = members[i];
                }
                members.Count = w;
            }
        }
        return new(AuditValueKind.Object, false, 0, null, default,
            members.Count == members.Capacity ? members.MoveToImmutable() : members.ToImmutable());
    }

    static bool IsStrictlySorted(ImmutableArray<KeyValuePair<string, AuditValue>>.Builder members)
    {
        for (var i = 1; i < members.Count; i++)
            if (Utf8Order.Instance.Compare(members[i - 1].Key, members[i].Key) >= 0) return false;
        return true;
    }

    static void InsertionSort(ImmutableArray<KeyValuePair<string, AuditValue>>.Builder members)
    {
        for (var i = 1; i < members.Count; i++)
        {
            var item = members[i];
            var j = i - 1;
            // Strictly greater moves right: equal keys keep their input order (stable).
            while (j >= 0 && Utf8Order.Instance.Compare(members[j].Key, item.Key) > 0)
            {
                members[j + 1] = members[j];
                j--;
            }
            members[j + 1] = item;
        }
    }

    /// <summary>
    /// An object whose keys are exactly those of <paramref name="shape"/>, in its order, with new
    /// values (redaction keeps every key): no re-sort, and <paramref name="shape"/> itself when no
    /// value changed.
    /// </summary>
    internal static AuditValue WithMemberValues(AuditValue shape, Func<string, AuditValue, AuditValue> map)
    {
        var source = shape._members;
        ImmutableArray<KeyValuePair<string, AuditValue>>.Builder? changed = null;
        for (var i = 0; i < source.Length; i++)
        {
            var (k, v) = source[i];
            var mapped = map(k, v);
            if (changed is null)
            {
                if (ReferenceEquals(mapped, v)) continue;
                changed = ImmutableArray.CreateBuilder<KeyValuePair<string, AuditValue>>(source.Length);
                for (var j = 0; j < i; j++) changed.Add(source[j]);
            }
            changed.Add(new(k, mapped));
        }
        return changed is null ? shape : new(AuditValueKind.Object, false, 0, null, default, changed.MoveToImmutable());
    }

    /// <summary>Converts a System.Text.Json element (numbers become doubles, AUD-031).</summary>
    public static AuditValue FromJson(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Null or JsonValueKind.Undefined: return Null;
            case JsonValueKind.True: return True;
            case JsonValueKind.False: return False;
            case JsonValueKind.String: return From(element.GetString() ?? "");
            case JsonValueKind.Number:
                var d = double.Parse(element.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture);
                // Go's decoder reports out-of-range numbers as an error; clamping would silently lie.
                if (!double.IsFinite(d)) throw new FormatException("number out of float64 range: " + element.GetRawText());
                return From(d);
            case JsonValueKind.Array:
                var items = ImmutableArray.CreateBuilder<AuditValue>(element.GetArrayLength());
                foreach (var item in element.EnumerateArray()) items.Add(FromJson(item));
                return Array(items.MoveToImmutable());
            default:
                var members = ImmutableArray.CreateBuilder<KeyValuePair<string, AuditValue>>(element.GetPropertyCount());
                foreach (var p in element.EnumerateObject()) members.Add(new(Utf16Text.Scrub(p.Name), FromJson(p.Value)));
                return FromScrubbedMembers(members);
        }
    }

    /// <summary>An object from a parameter map such as <c>ToolCall.Params</c>.</summary>
    public static AuditValue FromJson(IReadOnlyDictionary<string, JsonElement> map)
    {
        var members = ImmutableArray.CreateBuilder<KeyValuePair<string, AuditValue>>(map.Count);
        foreach (var (k, v) in map) members.Add(new(Utf16Text.Scrub(k), FromJson(v)));
        return FromScrubbedMembers(members);
    }

    /// <summary>The member with exactly this key, if this is an object that has it.</summary>
    public bool TryGet(string key, out AuditValue value)
    {
        if (Kind == AuditValueKind.Object)
        {
            foreach (var (k, v) in _members)
            {
                if (string.Equals(k, key, StringComparison.Ordinal)) { value = v; return true; }
            }
        }
        value = Null;
        return false;
    }

    /// <summary>A copy of this object with one member set (added or replaced).</summary>
    public AuditValue With(string key, AuditValue value)
    {
        if (Kind != AuditValueKind.Object) throw WrongKind(AuditValueKind.Object);
        var members = new List<KeyValuePair<string, AuditValue>>(_members.Length + 1);
        members.AddRange(_members);
        members.Add(new(key, value));
        return Object(members);
    }

    /// <summary>Compact Go-style JSON of this value (AUD-031).</summary>
    public override string ToString() => GoJson.ToText(this);

    InvalidOperationException WrongKind(AuditValueKind wanted) =>
        new($"audit value is {Kind}, not {wanted}");
}

/// <summary>Orders strings by Unicode code point, which is the byte order of their UTF-8 encodings (AUD-031).</summary>
internal sealed class Utf8Order : IComparer<string>
{
    public static readonly Utf8Order Instance = new();

    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y)) return 0;
        if (x is null) return -1;
        if (y is null) return 1;
        var n = Math.Min(x.Length, y.Length);
        for (var i = 0; i < n; i++)
        {
            int a = x[i], b = y[i];
            if (a == b) continue;
            // UTF-16 code-unit order differs from code-point order only between surrogates and
            // U+E000..U+FFFF: lift surrogates above that range.
            return Fix(a) - Fix(b);
        }
        return x.Length - y.Length;

        static int Fix(int c) => c >= 0xD800 ? (c <= 0xDFFF ? c + 0x2000 : c - 0x800) : c;
    }
}

/// <summary>UTF-16 text hygiene shared by the audit JSON code.</summary>
internal static class Utf16Text
{
    /// <summary>Replaces lone surrogates with U+FFFD (what a Go round trip produces); no copy when clean.</summary>
    public static string Scrub(string s)
    {
        var i = FirstLoneSurrogate(s);
        if (i < 0) return s;
        var chars = s.ToCharArray();
        for (; i < chars.Length; i++)
        {
            var c = chars[i];
            if (char.IsHighSurrogate(c) && i + 1 < chars.Length && char.IsLowSurrogate(chars[i + 1])) { i++; continue; }
            if (char.IsSurrogate(c)) chars[i] = '\uFFFD';
        }
        return new string(chars);
    }

    static int FirstLoneSurrogate(string s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (!char.IsSurrogate(c)) continue;
            if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) { i++; continue; }
            return i;
        }
        return -1;
    }
}
