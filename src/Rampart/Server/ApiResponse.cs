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

    public static async Task WriteAsync<T>(HttpContext context, int status, T body, JsonTypeInfo<T> type)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(body, (JsonTypeInfo<T>)(Readable.GetTypeInfo(typeof(T)) ?? type));
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/json";
        response.ContentLength = bytes.Length + 1;
        await response.Body.WriteAsync(bytes, context.RequestAborted);
        await response.Body.WriteAsync(Newline, context.RequestAborted);
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
