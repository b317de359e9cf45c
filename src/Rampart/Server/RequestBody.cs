using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Rampart.Server;

/// <summary>A decoded request body, or the status and error message to answer with.</summary>
internal readonly record struct BodyResult(JsonDocument? Document, int Status, string Error)
{
    public bool IsOk => Document is not null;
}

/// <summary>A body decoded by a route's own decoder (<see cref="RequestBody.ReadAsync{T}"/>), or the status and error message to answer with.</summary>
internal readonly record struct BodyResult<T>(T? Value, int Status, string Error) where T : class
{
    public bool IsOk => Value is not null;
}

/// <summary>Decodes a whole request body (at most <see cref="RequestBody.Limit"/> bytes); the bytes are only valid during the call.</summary>
internal delegate BodyResult<T> BodyDecoder<T>(in ReadOnlySequence<byte> utf8, string errorPrefix) where T : class;

/// <summary>
/// Reads and decodes JSON request bodies under the API's limits: at most 1 MiB (API-003; answered
/// with 413, see below), exactly one JSON value plus whitespace (API-005), nesting at most
/// <see cref="MaxDepth"/> levels, and a 30 s whole-body read deadline (API-002).
/// </summary>
/// <remarks>
/// API-003: upstream turns an oversized body into the route's ordinary 400. The issue asks for
/// 413 (Payload Too Large), which is what clients expect from a size limit; we answer 413.
/// </remarks>
internal static class RequestBody
{
    public const int Limit = 1 << 20;
    public const int MaxDepth = 64;
    static readonly TimeSpan ReadDeadline = TimeSpan.FromSeconds(30);

    public static async ValueTask<BodyResult> ReadJsonAsync(HttpContext context, string errorPrefix)
    {
        var read = ReadAsync(context, errorPrefix, ParseDocument);
        var result = read.IsCompletedSuccessfully ? read.Result : await read;
        return new BodyResult(result.Value, result.Status, result.Error);
    }

    static BodyResult<JsonDocument> ParseDocument(in ReadOnlySequence<byte> utf8, string errorPrefix)
    {
        var parsed = Parse(utf8, errorPrefix);
        return new BodyResult<JsonDocument>(parsed.Document, parsed.Status, parsed.Error);
    }

    /// <summary>
    /// Reads the whole body under the limits and hands it to <paramref name="decode"/>; read
    /// failures (413, 408, framing) are answered without calling it.
    /// </summary>
    public static ValueTask<BodyResult<T>> ReadAsync<T>(HttpContext context, string errorPrefix, BodyDecoder<T> decode) where T : class
    {
        var request = context.Request;
        if (request.ContentLength > Limit) return new(TooLarge<T>());
        // Hot path (issue 3): a small body normally arrives in the same segment as the headers. When
        // all of it is already buffered there is nothing to wait for, so no deadline timer, linked
        // token or copy is needed; everything else takes the guarded read loop below.
        if (request.ContentLength is long length and > 0)
        {
            var reader = request.BodyReader;
            if (reader.TryRead(out var ready))
            {
                var buffered = ready.Buffer;
                if (ready.IsCompleted && buffered.Length == length)
                {
                    var decoded = decode(buffered, errorPrefix);
                    reader.AdvanceTo(buffered.End);
                    return new(decoded);
                }
                reader.AdvanceTo(buffered.Start);
            }
        }
        return new(ReadLoopAsync(context, errorPrefix, decode));
    }

    static async Task<BodyResult<T>> ReadLoopAsync<T>(HttpContext context, string errorPrefix, BodyDecoder<T> decode) where T : class
    {
        var request = context.Request;
        var buffer = ArrayPool<byte>.Shared.Rent(request.ContentLength is { } n and > 0 ? (int)n + 1 : 4096);
        var length = 0;
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
            deadline.CancelAfter(ReadDeadline);
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > Limit) return TooLarge<T>();
                    var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, Limit + 1));
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }
                int read;
                try
                {
                    read = await request.Body.ReadAsync(buffer.AsMemory(length), deadline.Token);
                }
                catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
                {
                    return TooLarge<T>();
                }
                catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status408RequestTimeout)
                {
                    // The minimum body data rate (API-002): a client trickling its body (slowloris)
                    // is answered 408 and disconnected by Kestrel — not a 500 (found by issue 8).
                    return new(null, StatusCodes.Status408RequestTimeout, errorPrefix + "request body arrived too slowly");
                }
                catch (BadHttpRequestException e)
                {
                    // Malformed framing (bad chunk sizes, unexpected end): the client's fault.
                    return new(null, StatusCodes.Status400BadRequest, errorPrefix + "invalid request body: " + e.Message);
                }
                catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
                {
                    return new(null, StatusCodes.Status408RequestTimeout, errorPrefix + "request body read timed out");
                }
                if (read == 0) break;
                length += read;
                if (length > Limit) return TooLarge<T>();
            }
            return decode(new ReadOnlySequence<byte>(buffer, 0, length), errorPrefix);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The reader options every body is parsed with: trailing values are detected, not rejected by the reader (API-005).</summary>
    internal static readonly JsonReaderOptions ReaderOptions = new() { AllowMultipleValues = true, MaxDepth = MaxDepth };

    /// <summary>Exactly one JSON value (API-005); the document owns a copy of the bytes.</summary>
    public static BodyResult Parse(ReadOnlySpan<byte> utf8, string errorPrefix)
    {
        var reader = new Utf8JsonReader(utf8, ReaderOptions);
        return TryParse(ref reader, errorPrefix, pooled: true, out var document, out _, out var failure) ? new BodyResult(document, 200, "") : failure;
    }

    /// <inheritdoc cref="Parse(ReadOnlySpan{byte}, string)"/>
    public static BodyResult Parse(ReadOnlySequence<byte> utf8, string errorPrefix)
    {
        var reader = new Utf8JsonReader(utf8, ReaderOptions);
        return TryParse(ref reader, errorPrefix, pooled: true, out var document, out _, out var failure) ? new BodyResult(document, 200, "") : failure;
    }

    /// <summary>
    /// Like <see cref="Parse(ReadOnlySequence{byte}, string)"/> (same checks, same messages), but the
    /// value lives in an unpooled document that needs no disposing, so its elements may outlive the
    /// request (pending approvals keep a call's params).
    /// </summary>
    public static bool TryParseElement(in ReadOnlySequence<byte> utf8, string errorPrefix, out JsonElement root, out BodyResult failure)
    {
        var reader = new Utf8JsonReader(utf8, ReaderOptions);
        return TryParse(ref reader, errorPrefix, pooled: false, out _, out root, out failure);
    }

    static bool TryParse(ref Utf8JsonReader reader, string errorPrefix, bool pooled, out JsonDocument? document, out JsonElement root, out BodyResult failure)
    {
        document = null;
        root = default;
        failure = default;
        try
        {
            if (!reader.Read())
            {
                failure = new BodyResult(null, 400, errorPrefix + "request body is empty; expected a JSON object");
                return false;
            }
            if (pooled)
            {
                document = JsonDocument.ParseValue(ref reader);
                root = document.RootElement;
            }
            else
            {
                root = JsonElement.ParseValue(ref reader);
            }
        }
        catch (JsonException e)
        {
            failure = new BodyResult(null, 400, errorPrefix + Describe(e));
            return false;
        }
        try
        {
            if (reader.Read())
            {
                document?.Dispose();
                failure = new BodyResult(null, 400, errorPrefix + "request body must contain exactly one JSON value");
                return false;
            }
        }
        catch (JsonException)
        {
            document?.Dispose();
            failure = new BodyResult(null, 400, errorPrefix + $"invalid trailing data: unexpected content after the JSON value at byte {reader.BytesConsumed + 1}");
            return false;
        }
        return true;
    }

    // The shipped binary has UseSystemResourceKeys: its messages are resource keys such as
    // "ArrayDepthTooLarge, 64 …" rather than "… maximum configured depth …" (found by issue 8).
    static string Describe(JsonException e) =>
        e.Message.Contains("maximum configured depth", StringComparison.Ordinal) || e.Message.Contains("DepthTooLarge", StringComparison.Ordinal)
            ? $"JSON nesting exceeds {MaxDepth} levels"
            : e.Message;

    static BodyResult<T> TooLarge<T>() where T : class => new(null, StatusCodes.Status413PayloadTooLarge, $"request body too large (limit {Limit} bytes)");
}
