using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Rampart.Server;

/// <summary>A decoded request body, or the status and error message to answer with.</summary>
internal readonly record struct BodyResult(JsonDocument? Document, int Status, string Error)
{
    public bool IsOk => Document is not null;
}

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

    public static ValueTask<BodyResult> ReadJsonAsync(HttpContext context, string errorPrefix)
    {
        var request = context.Request;
        if (request.ContentLength > Limit) return new(TooLarge());
        // Hot path (issue 3): a small body normally arrives in the same segment as the headers. When
        // all of it is already buffered there is nothing to wait for, so no deadline timer, linked
        // token or copy is needed; everything else takes the guarded read loop below.
        if (request.ContentLength is long length and > 0 && request.BodyReader.TryRead(out var ready))
        {
            var buffered = ready.Buffer;
            if (ready.IsCompleted && buffered.Length == length)
            {
                var parsed = Parse(buffered, errorPrefix);
                request.BodyReader.AdvanceTo(buffered.End);
                return new(parsed);
            }
            request.BodyReader.AdvanceTo(buffered.Start);
        }
        return new(ReadLoopAsync(context, errorPrefix));
    }

    static async Task<BodyResult> ReadLoopAsync(HttpContext context, string errorPrefix)
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
                    if (length > Limit) return TooLarge();
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
                    return TooLarge();
                }
                catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status408RequestTimeout)
                {
                    // The minimum body data rate (API-002): a client trickling its body (slowloris)
                    // is answered 408 and disconnected by Kestrel — not a 500 (found by issue 8).
                    return new BodyResult(null, StatusCodes.Status408RequestTimeout, errorPrefix + "request body arrived too slowly");
                }
                catch (BadHttpRequestException e)
                {
                    // Malformed framing (bad chunk sizes, unexpected end): the client's fault.
                    return new BodyResult(null, StatusCodes.Status400BadRequest, errorPrefix + "invalid request body: " + e.Message);
                }
                catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
                {
                    return new BodyResult(null, StatusCodes.Status408RequestTimeout, errorPrefix + "request body read timed out");
                }
                if (read == 0) break;
                length += read;
                if (length > Limit) return TooLarge();
            }
            return Parse(buffer.AsSpan(0, length), errorPrefix);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    static readonly JsonReaderOptions ReaderOptions = new() { AllowMultipleValues = true, MaxDepth = MaxDepth };

    /// <summary>Exactly one JSON value (API-005); the document owns a copy of the bytes.</summary>
    public static BodyResult Parse(ReadOnlySpan<byte> utf8, string errorPrefix)
    {
        var reader = new Utf8JsonReader(utf8, ReaderOptions);
        return Parse(ref reader, errorPrefix);
    }

    /// <inheritdoc cref="Parse(ReadOnlySpan{byte}, string)"/>
    public static BodyResult Parse(ReadOnlySequence<byte> utf8, string errorPrefix)
    {
        var reader = new Utf8JsonReader(utf8, ReaderOptions);
        return Parse(ref reader, errorPrefix);
    }

    static BodyResult Parse(ref Utf8JsonReader reader, string errorPrefix)
    {
        JsonDocument document;
        try
        {
            if (!reader.Read()) return new BodyResult(null, 400, errorPrefix + "request body is empty; expected a JSON object");
            document = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException e)
        {
            return new BodyResult(null, 400, errorPrefix + Describe(e));
        }
        try
        {
            if (reader.Read())
            {
                document.Dispose();
                return new BodyResult(null, 400, errorPrefix + "request body must contain exactly one JSON value");
            }
        }
        catch (JsonException)
        {
            document.Dispose();
            return new BodyResult(null, 400, errorPrefix + $"invalid trailing data: unexpected content after the JSON value at byte {reader.BytesConsumed + 1}");
        }
        return new BodyResult(document, 200, "");
    }

    // The shipped binary has UseSystemResourceKeys: its messages are resource keys such as
    // "ArrayDepthTooLarge, 64 …" rather than "… maximum configured depth …" (found by issue 8).
    static string Describe(JsonException e) =>
        e.Message.Contains("maximum configured depth", StringComparison.Ordinal) || e.Message.Contains("DepthTooLarge", StringComparison.Ordinal)
            ? $"JSON nesting exceeds {MaxDepth} levels"
            : e.Message;

    static BodyResult TooLarge() => new(null, StatusCodes.Status413PayloadTooLarge, $"request body too large (limit {Limit} bytes)");
}
