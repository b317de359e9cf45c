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

    public static Task ErrorAsync(HttpContext context, int status, string message) =>
        WriteAsync(context, status, new ErrorBody(message), ApiJsonContext.Default.ErrorBody);
}
