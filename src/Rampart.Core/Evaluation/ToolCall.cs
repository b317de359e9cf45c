using System.Collections.Frozen;
using System.Text.Json;

namespace Rampart.Core.Evaluation;

/// <summary>
/// One tool invocation to decide on (POL-001). <see cref="Params"/> is the host's "legacy" argument
/// view; <see cref="Input"/> the MCP-style view (may be absent). The engine never copies one into
/// the other: the HTTP layer and the hook derive <see cref="Input"/> (API-022, CLI.md).
/// </summary>
public sealed record ToolCall
{
    public static readonly IReadOnlyDictionary<string, JsonElement> NoParams =
        FrozenDictionary<string, JsonElement>.Empty;

    /// <summary>Policy tool class (<c>exec</c>, <c>read</c>, …); case-sensitive for scoping (POL-009).</summary>
    public string Tool { get; init; } = "";
    public string Agent { get; init; } = "";
    public string Session { get; init; } = "";
    public int AgentDepth { get; init; }
    public string Workdir { get; init; } = "";
    public IReadOnlyDictionary<string, JsonElement> Params { get; init; } = NoParams;
    /// <summary>null when the host sent no MCP-style input map.</summary>
    public IReadOnlyDictionary<string, JsonElement>? Input { get; init; }

    // Carried for audit and approvals; never matched by policy (POL-001).
    public string RunId { get; init; } = "";
    public string ToolCallId { get; init; } = "";
    public string Id { get; init; } = "";
    public DateTimeOffset Timestamp { get; init; }

    // The values conditions read from this call (POL-002, POL-003), decoded from the JSON params by the
    // first evaluation and reused by the next ones (CallInputs.Decode); revalidated against the
    // members they came from on every use, so a `with` copy that changes them decodes afresh.
    // Params and Input must not be mutated once the call has been evaluated (the record is immutable).
    DecodedSlot _decoded;

    internal DecodedCallInputs? Decoded
    {
        get => _decoded.Value;
        set => _decoded.Value = value;
    }

    /// <summary>
    /// Holds the memo without taking part in the record's equality or hash: two calls with the same
    /// members are equal whether or not one of them has been evaluated.
    /// </summary>
    struct DecodedSlot : IEquatable<DecodedSlot>
    {
        public DecodedCallInputs? Value;

        public readonly bool Equals(DecodedSlot other) => true;

        public override readonly bool Equals(object? obj) => obj is DecodedSlot;

        public override readonly int GetHashCode() => 0;
    }
}
