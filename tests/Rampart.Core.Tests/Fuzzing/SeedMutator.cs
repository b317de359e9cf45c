using System.Text;

namespace Rampart.Core.Tests.Fuzzing;

/// <summary>
/// A small, deterministic stand-in for AFL++'s havoc stage: byte flips, insertions and deletions,
/// duplicated and spliced ranges, and tokens that the parsers under test give meaning to. Fixed seed,
/// so a failure in CI reproduces exactly.
/// </summary>
internal sealed class SeedMutator(int seed)
{
    static readonly byte[][] Tokens =
    [
        .. new[]
        {
            "*", "**", "?", "[", "]", "[!", "[^a-", "\\", "/", "**/", "/**", "{", "}", "\"", "'", "`", "$(", "${", ")", "$",
            "&&", "||", ";", "|", "&", ">", "<", "<<EOF\n", "\n", "\r\n", "\t", " ", "#", "=", "-c ", "bash -c ", "sudo ",
            "rm -rf ", "eval ", "cmd /c ", "powershell -Command ", "%", "^", "~", "..", "./", ":", "- ", "  - ", ": ", "&a ",
            "*a", "!!binary ", "!tag ", "? ", "---\n", "...\n", "|\n", ">-\n", "\\u0000", "\\uD800", "\\x", "1e999", "-0",
            "0x", "true", "null", "[]", "{}", "\"\\\"", "\u00a0", "\u200b", "\u0130", "\ufeff", "\U0001F600", "\0",
        }.Select(t => Encoding.UTF8.GetBytes(t)),
        [0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80],
    ];

    readonly Random _random = new(seed);

    /// <summary>One mutant of <paramref name="input"/>; <paramref name="other"/> is the splice partner.</summary>
    public byte[] Mutate(byte[] input, byte[] other)
    {
        var data = new List<byte>(input);
        var rounds = 1 << _random.Next(0, 4);
        for (var i = 0; i < rounds; i++) Apply(data, other);
        return [.. data];
    }

    void Apply(List<byte> data, byte[] other)
    {
        var at = data.Count == 0 ? 0 : _random.Next(data.Count + 1);
        switch (_random.Next(9))
        {
            case 0 when data.Count > 0:
                var i = Math.Min(at, data.Count - 1);
                data[i] ^= (byte)(1 << _random.Next(8));
                break;
            case 1:
                data.Insert(at, (byte)_random.Next(256));
                break;
            case 2 when data.Count > 0:
                var start = Math.Min(at, data.Count - 1);
                data.RemoveRange(start, Math.Min(data.Count - start, 1 + _random.Next(16)));
                break;
            case 3 when data.Count > 0:
                // Duplicate a range (repeated lines, nested brackets, long runs of stars).
                var from = _random.Next(data.Count);
                var length = Math.Min(data.Count - from, 1 + _random.Next(64));
                var copy = data.GetRange(from, length);
                var times = 1 + _random.Next(8);
                for (var t = 0; t < times; t++) data.InsertRange(at, copy);
                break;
            case 4 when other.Length > 0:
                var s = _random.Next(other.Length);
                data.InsertRange(at, other.AsSpan(s, Math.Min(other.Length - s, 1 + _random.Next(128))).ToArray());
                break;
            case 5 when data.Count > 0:
                // Truncate.
                data.RemoveRange(at == data.Count ? data.Count - 1 : at, data.Count - (at == data.Count ? data.Count - 1 : at));
                break;
            default:
                data.InsertRange(at, Tokens[_random.Next(Tokens.Length)]);
                break;
        }
    }
}
