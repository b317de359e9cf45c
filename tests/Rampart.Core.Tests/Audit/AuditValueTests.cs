using System.Text;
using Rampart.Core.Audit;

namespace Rampart.Core.Tests.Audit;

/// <summary>
/// Objects built from members in any order (AUD-031): unique keys in UTF-8 byte order, a repeated
/// key keeps its last value, whatever the size of the map.
/// </summary>
public sealed class AuditValueTests
{
    public static TheoryData<int, int> Shapes()
    {
        var data = new TheoryData<int, int>();
        foreach (var size in new[] { 0, 1, 2, 3, 16, 17, 60 })
            for (var seed = 0; seed < 4; seed++) data.Add(size, seed);
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Object_sorts_members_and_keeps_the_last_value_of_a_repeated_key(int size, int seed)
    {
        var random = new Random(seed);
        string[] keys = ["a", "b", "B", "ab", "é", "\uFFFD", "z", "\U0001F600", "\uE000", "", "key", "k"];
        var members = new List<KeyValuePair<string, AuditValue>>();
        var expected = new Dictionary<string, double>(StringComparer.Ordinal);
        for (var i = 0; i < size; i++)
        {
            var key = random.Next(3) == 0 ? keys[random.Next(keys.Length)] : "k" + random.Next(size * 2);
            members.Add(new(key, AuditValue.From(i)));
            expected[key] = i;
        }

        var value = AuditValue.Object(members);

        var wantKeys = expected.Keys.OrderBy(k => Encoding.UTF8.GetBytes(k), ByteOrder.Instance).ToArray();
        Assert.Equal(wantKeys, value.Members.Select(m => m.Key).ToArray());
        foreach (var (k, v) in value.Members) Assert.Equal(expected[k], v.AsNumber);
    }

    [Fact]
    public void Object_scrubs_keys_before_it_merges_them()
    {
        var value = AuditValue.Object([new("\ud800", AuditValue.From(1)), new("\uFFFD", AuditValue.From(2))]);

        Assert.Equal("{\"\uFFFD\":2}", GoJson.ToText(value));
    }

    [Fact]
    public void A_parameter_map_becomes_a_sorted_object()
    {
        using var doc = System.Text.Json.JsonDocument.Parse("{\"b\":[1,{\"y\":true,\"x\":null}],\"a\":\"s\"}");
        var map = doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value);

        Assert.Equal("{\"a\":\"s\",\"b\":[1,{\"x\":null,\"y\":true}]}", GoJson.ToText(AuditValue.FromJson(map)));
    }

    sealed class ByteOrder : IComparer<byte[]>
    {
        public static readonly ByteOrder Instance = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}
