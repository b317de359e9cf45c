using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;

namespace Rampart.Server;

/// <summary>Writes API bodies: one JSON document plus <c>\n</c>, <c>application/json</c> (API-004); errors as <c>{"error":…}</c>.</summary>
internal static class ApiResponse
{
    static readonly byte[] Newline = [(byte)'\n'];

    /// <summary>The same generated serialisers with minimal escaping: quotes and non-ASCII text stay readable (API-004 leaves escaping to us).</summary>
    static readonly ApiJsonContext Readable = new(new JsonSerializerOptions
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    /// <remarks>
    /// Hot path (issue 3): the body is serialised into a per-thread buffer and copied into Kestrel's
    /// output pipe together with the newline, then flushed once: no array per response and one
    /// pipe write instead of two. Bodies that write themselves (<see cref="IJsonBody"/>: the decision
    /// and error answers) skip the generated metadata serialiser.
    /// </remarks>
    public static Task WriteAsync<T>(HttpContext context, int status, T body, JsonTypeInfo<T> type)
    {
        var scratch = Scratch.Take();
        try
        {
            if (body is IJsonBody own) own.Write(scratch.Writer);
            else JsonSerializer.Serialize(scratch.Writer, body, ReadableTypeOf<T>.Get(type));
            scratch.Writer.Flush();
            scratch.Buffer.Write(Newline);
            var response = context.Response;
            response.StatusCode = status;
            response.ContentType = "application/json";
            response.ContentLength = scratch.Buffer.WrittenCount;
            response.BodyWriter.Write(scratch.Buffer.WrittenSpan);
        }
        finally
        {
            scratch.Release();
        }
        var flush = context.Response.BodyWriter.FlushAsync(context.RequestAborted);
        return flush.IsCompletedSuccessfully ? Task.CompletedTask : flush.AsTask();
    }

    /// <summary>The <see cref="Readable"/> twin of a generated type info, looked up once per type.</summary>
    static class ReadableTypeOf<T>
    {
        static JsonTypeInfo<T>? s_info;

        public static JsonTypeInfo<T> Get(JsonTypeInfo<T> fallback) =>
            s_info ??= (JsonTypeInfo<T>?)Readable.GetTypeInfo(typeof(T)) ?? fallback;
    }

    /// <summary>A reusable serialisation buffer per thread; responses are copied out before anything awaits.</summary>
    sealed class Scratch
    {
        const int KeepBytes = 64 * 1024;
        [ThreadStatic] static Scratch? t_free;

        public readonly ArrayBufferWriter<byte> Buffer = new(1024);
        public readonly Utf8JsonWriter Writer;

        Scratch() => Writer = new Utf8JsonWriter(Buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

        public static Scratch Take()
        {
            var scratch = t_free ?? new Scratch();
            t_free = null;
            return scratch;
        }

        /// <summary>Back to the thread for the next response, unless a huge body made it large.</summary>
        public void Release()
        {
            if (Buffer.Capacity > KeepBytes) return;
            Buffer.ResetWrittenCount();
            Writer.Reset(Buffer);
            t_free = this;
        }
    }

    /// <summary>A body written by hand (audit events embedded verbatim, sorted count maps), with the same conventions.</summary>
    public static async Task WriteJsonAsync(HttpContext context, int status, Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            write(w);
        buffer.Write(Newline);
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/json";
        response.ContentLength = buffer.WrittenCount;
        await response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted);
    }

    public static Task ErrorAsync(HttpContext context, int status, string message) =>
        WriteAsync(context, status, new ErrorBody(message), ApiJsonContext.Default.ErrorBody);
}
