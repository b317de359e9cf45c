using System.Net;
using System.Text.Json;
using Rampart.Server;
using Rampart.Testing;

namespace Rampart.Tests.Server;

public sealed class ToolEndpointsTests : IAsyncLifetime
{
    ServerHarness _server = null!;

    public async Task InitializeAsync() => _server = await ServerHarness.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Allowed_call_answers_200_with_the_base_response_fields()
    {
        var (status, body) = await _server.PostAsync("/v1/tool/exec", """{"agent":"a","session":"s","params":{"command":"git status"}}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(body.GetProperty("allowed").GetBoolean());
        Assert.Equal("allow", body.GetProperty("decision").GetString());
        Assert.Equal(JsonValueKind.String, body.GetProperty("message").ValueKind);
        Assert.True(body.GetProperty("eval_duration_us").GetInt64() >= 0);
        Assert.Equal(JsonValueKind.Array, body.GetProperty("suggestions").ValueKind);
        Assert.Equal(26, body.GetProperty("audit_id").GetString()!.Length);
        Assert.False(body.TryGetProperty("enforced", out _));
    }

    [Fact]
    public async Task Denied_call_answers_403_naming_the_policy()
    {
        var (status, body) = await _server.PostAsync("/v1/tool/exec", """{"agent":"a","params":{"command":"rm -rf /tmp/x"}}""");
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.False(body.GetProperty("allowed").GetBoolean());
        Assert.Equal("deny", body.GetProperty("decision").GetString());
        Assert.Equal("destructive command blocked", body.GetProperty("message").GetString());
        Assert.Equal("block-rm", body.GetProperty("policy").GetString());
    }

    [Fact]
    public async Task Watch_is_allowed_and_reported_as_watch()
    {
        var (status, body) = await _server.PostAsync("/v1/tool/exec", """{"command":"curl https://example.com"}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(body.GetProperty("allowed").GetBoolean());
        Assert.Equal("watch", body.GetProperty("decision").GetString());
    }

    [Fact]
    public async Task Top_level_command_alias_is_evaluated_like_params_command()
    {
        var (status, _) = await _server.PostAsync("/v1/tool/exec", """{"command":"rm -rf /home"}""");
        Assert.Equal(HttpStatusCode.Forbidden, status);
    }

    [Fact]
    public async Task Command_b64_is_decoded_before_evaluation()
    {
        var b64 = Convert.ToBase64String("rm -rf /srv"u8.ToArray());
        var (status, _) = await _server.PostAsync("/v1/tool/exec", "{\"params\":{\"command_b64\":\"" + b64 + "\"}}");
        Assert.Equal(HttpStatusCode.Forbidden, status);
    }

    [Fact]
    public async Task Leading_comment_lines_do_not_hide_a_command()
    {
        var (status, _) = await _server.PostAsync("/v1/tool/exec", """{"params":{"command":"# harmless\n\nrm -rf /srv"}}""");
        Assert.Equal(HttpStatusCode.Forbidden, status);
    }

    [Theory]
    [InlineData("""{"command":"ls","params":{"command":"rm -rf /"}}""", "invalid tool input: conflicting command aliases")]
    [InlineData("""{"params":{"command":42}}""", "invalid tool input: command must be a string")]
    [InlineData("""{"params":{"command_b64":"%%%"}}""", "invalid tool input: command_b64 must be valid bounded base64")]
    [InlineData("""{"workdir":"/a","cwd":"/b"}""", "invalid tool input: conflicting workdir aliases")]
    [InlineData("""{"agent":7}""", "invalid request body: field \"agent\" has the wrong type (number)")]
    [InlineData("""{"params":[1]}""", "invalid request body: field \"params\" has the wrong type (array)")]
    [InlineData("""[]""", "invalid request body: expected a JSON object, got array")]
    [InlineData("""{"verification":true}""", "verification mode is only available on the preflight endpoint")]
    public async Task Invalid_requests_answer_400_with_a_clear_error(string body, string error)
    {
        var (status, json) = await _server.PostAsync("/v1/tool/exec", body);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(error, json.GetProperty("error").GetString());
    }

    [Theory]
    [InlineData("{\"agent\":")]
    [InlineData("{} {}")]
    [InlineData("{} garbage")]
    [InlineData("")]
    public async Task Malformed_or_trailing_json_answers_400(string body)
    {
        var (status, json) = await _server.PostAsync("/v1/tool/exec", body);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith("invalid request body: ", json.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Second_json_value_is_rejected_with_the_spec_message()
    {
        var (_, json) = await _server.PostAsync("/v1/tool/exec", "{} {}");
        Assert.Equal("invalid request body: request body must contain exactly one JSON value", json.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Deeply_nested_json_answers_400_naming_the_limit()
    {
        var body = "{\"params\":{\"x\":" + new string('[', 200) + new string(']', 200) + "}}";
        var (status, json) = await _server.PostAsync("/v1/tool/exec", body);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("nesting exceeds 64 levels", json.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Body_over_one_mebibyte_answers_413()
    {
        var padding = new string('a', RequestBody.Limit);
        var (status, json) = await _server.PostAsync("/v1/tool/exec", "{\"params\":{\"command\":\"ls\",\"pad\":\"" + padding + "\"}}");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Contains("too large", json.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Body_of_exactly_one_mebibyte_is_accepted()
    {
        var prefix = """{"params":{"command":"ls","pad":""";
        var suffix = "\"}}";
        var padding = new string('a', RequestBody.Limit - prefix.Length - suffix.Length - 1);
        var (status, _) = await _server.PostAsync("/v1/tool/exec", prefix + "\"" + padding + suffix);
        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task Chunked_body_over_the_limit_answers_413()
    {
        using var request = _server.Request(HttpMethod.Post, "/v1/tool/exec", _server.AdminToken);
        request.Content = new StreamContent(new MemoryStream(new byte[RequestBody.Limit + 1]));
        request.Headers.TransferEncodingChunked = true;
        using var response = await _server.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    public static TheoryData<string> HttpToolNameVectors()
    {
        var data = new TheoryData<string>();
        foreach (var v in ConformanceYaml.LoadMap(SharedFiles.Conformance("tools.yaml")).List("http_tool_name_vectors")!)
            data.Add(((Dictionary<string, object?>)v!).Str("id"));
        return data;
    }

    [Theory]
    [MemberData(nameof(HttpToolNameVectors))]
    public async Task Tool_names_in_the_url_follow_the_conformance_vectors(string id)
    {
        var vector = ConformanceYaml.LoadMap(SharedFiles.Conformance("tools.yaml")).List("http_tool_name_vectors")!
            .Cast<Dictionary<string, object?>>().Single(v => v.Str("id") == id);
        var segment = vector.Str("path_segment");
        // An empty segment cannot be routed at all; a blank one trims to the same empty name (API-021).
        var encoded = segment.Length == 0 ? "%20" : Uri.EscapeDataString(segment);
        var (status, body) = await _server.PostAsync("/v1/preflight/" + encoded, "{}");
        if (vector.ContainsKey("expect_error"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Equal("invalid tool name: " + vector.Str("expect_error"), body.GetProperty("error").GetString());
        }
        else
        {
            Assert.Equal(HttpStatusCode.OK, status);
        }
    }

    [Theory]
    [MemberData(nameof(HttpToolNameVectors))]
    public async Task Tool_names_on_the_tool_route_follow_the_conformance_vectors(string id)
    {
        // The tool route has literal routes for the reserved classes beside {toolName} (issue 3);
        // every spelling must still reach the same name check.
        var vector = ConformanceYaml.LoadMap(SharedFiles.Conformance("tools.yaml")).List("http_tool_name_vectors")!
            .Cast<Dictionary<string, object?>>().Single(v => v.Str("id") == id);
        var segment = vector.Str("path_segment");
        var encoded = segment.Length == 0 ? "%20" : Uri.EscapeDataString(segment);
        var (status, body) = await _server.PostAsync("/v1/tool/" + encoded, """{"command":"git status"}""");
        if (vector.ContainsKey("expect_error"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Equal("invalid tool name: " + vector.Str("expect_error"), body.GetProperty("error").GetString());
        }
        else
        {
            Assert.NotEqual(HttpStatusCode.BadRequest, status);
        }
    }

    [Theory]
    [InlineData("/v1/tool/exec")]
    [InlineData("/v1/tool/exec?trace=1")]
    [InlineData("/v1/tool/ex%65c")]
    [InlineData("/v1/tool/%65xec")]
    [InlineData("/v1/tool/%20exec")]
    public async Task Spellings_of_the_exec_class_reach_the_exec_rules(string path)
    {
        var (status, body) = await _server.PostAsync(path, """{"command":"rm -rf /tmp/x"}""");
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("block-rm", body.GetProperty("policy").GetString());
    }

    [Theory]
    [InlineData("/v1/tool/EXEC", "EXEC")]
    [InlineData("/v1/tool/Read", "Read")]
    [InlineData("/v1/tool/WEB_FETCH", "WEB_FETCH")]
    public async Task Reserved_classes_in_another_case_answer_400(string path, string name)
    {
        var (status, body) = await _server.PostAsync(path, """{"command":"git status"}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal($"invalid tool name: reserved tool name \"{name}\" must use canonical spelling \"{name.ToLowerInvariant()}\"", body.GetProperty("error").GetString());
    }

    [Theory]
    [InlineData("/v1/tool/exec/", 400, "invalid tool name: tool name is required")]
    [InlineData("/v1/tool/exec/more", 404, "not found")]
    [InlineData("/v1/tool/exec%2F", 400, "invalid tool name: tool name contains unsupported character '/'")]
    public async Task Paths_around_a_reserved_class_keep_their_answers(string path, int expected, string error)
    {
        var (status, body) = await _server.PostAsync(path, """{"command":"git status"}""");
        Assert.Equal((HttpStatusCode)expected, status);
        Assert.Equal(error, body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Ask_in_enforce_mode_queues_an_approval()
    {
        // The whole approval lifecycle is covered in Server/Approvals.
        var (status, body) = await _server.PostAsync("/v1/tool/exec", """{"command":"deploy prod"}""");
        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal("pending", body.GetProperty("approval_status").GetString());
    }

    [Fact]
    public async Task Response_with_a_secret_is_redacted_in_enforce_mode_but_status_stays_200()
    {
        var (status, body) = await _server.PostAsync("/v1/tool/exec", """{"command":"cat creds","response":"key=AKIAABCDEFGHIJKLMNOP"}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(body.GetProperty("allowed").GetBoolean());
        Assert.Equal("deny", body.GetProperty("decision").GetString());
        Assert.Equal("secret in output", body.GetProperty("message").GetString());
        Assert.Equal("[REDACTED: sensitive content removed by Rampart]", body.GetProperty("response").GetString());
    }

    [Fact]
    public async Task Clean_response_is_echoed_unchanged()
    {
        var (status, body) = await _server.PostAsync("/v1/tool/exec", """{"command":"ls","response":"a.txt b.txt"}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(body.GetProperty("allowed").GetBoolean());
        Assert.Equal("a.txt b.txt", body.GetProperty("response").GetString());
    }
}
