using System.Text.Json.Nodes;
using Rampart.Agents;

namespace Rampart.Tests.Agents;

public sealed class ClaudeSettingsTests
{
    const string Current = "'/usr/local/bin/rampart' hook --format claude-code --remote";

    static JsonObject Hook(string command) => new() { ["type"] = "command", ["command"] = command };

    [Theory]
    [InlineData("'/usr/local/bin/rampart' hook --format claude-code --remote", true)]
    [InlineData("/home/me/go/bin/rampart hook --format claude-code", true)]
    [InlineData("'/opt/rampart v2/rampart' hook --format claude-code", true)]
    [InlineData("/opt/old/rampart hook", true)]
    [InlineData("/opt/rampart-dev hook --format claude-code --mode monitor", true)]
    [InlineData("/usr/bin/audit-bash.sh", false)]
    [InlineData("/usr/bin/not-rampart hook --format claude-code", false)]
    [InlineData("/usr/local/bin/rampart hook --format codex", false)]
    [InlineData("rampart hook && rm -rf ~", false)]
    public void Ownership_recognises_rampart_hook_commands_only(string command, bool owned)
    {
        Assert.Equal(owned, ClaudeSettings.IsOwned(Hook(command), Current));
    }

    [Fact]
    public void The_http_form_is_owned()
    {
        Assert.True(ClaudeSettings.IsOwned(ClaudeSettings.HttpHook("http://127.0.0.1:9090"), Current));
        Assert.False(ClaudeSettings.IsOwned(new JsonObject { ["type"] = "http", ["url"] = "http://x/other" }, Current));
    }

    [Fact]
    public void Command_line_quotes_the_binary_path_for_a_POSIX_shell()
    {
        Assert.Equal("'/opt/it'\\''s/rampart' hook --format claude-code --remote", ClaudeSettings.HookCommandLine("/opt/it's/rampart", true));
    }

    [Fact]
    public void Non_object_hooks_is_refused_without_force_and_replaced_with_it()
    {
        var root = (JsonObject)JsonNode.Parse("""{"hooks":[1]}""")!;
        Assert.Throws<ClaudeSettings.ShapeException>(() => ClaudeSettings.Install(root, Hook(Current), Current, force: false));
        Assert.True(ClaudeSettings.Install(root, Hook(Current), Current, force: true));
        Assert.IsType<JsonObject>(root["hooks"]);
    }

    [Fact]
    public void Two_owned_entries_for_one_event_are_collapsed_to_one()
    {
        var root = new JsonObject();
        ClaudeSettings.Install(root, Hook(Current), Current, false);
        root["hooks"]!["PreToolUse"]!.AsArray().Add((JsonNode)new JsonObject { ["matcher"] = ".*", ["hooks"] = new JsonArray(Hook("/x/rampart hook")) });
        Assert.True(ClaudeSettings.Install(root, Hook(Current), Current, false));
        Assert.Single(root["hooks"]!["PreToolUse"]!.AsArray());
    }

    [Fact]
    public void Format_is_two_space_indented_with_a_trailing_newline()
    {
        var text = ClaudeSettings.Format((JsonObject)JsonNode.Parse("""{"a":{"b":"ü<"}}""")!);
        Assert.Equal("{\n  \"a\": {\n    \"b\": \"ü<\"\n  }\n}\n", text);
    }
}
