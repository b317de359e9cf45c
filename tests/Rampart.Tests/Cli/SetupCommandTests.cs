using System.Text.Json.Nodes;

namespace Rampart.Tests.Cli;

/// <summary><c>rampart setup claude-code</c> on a temporary HOME with a settings file that already holds other hooks (CLI-090).</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SetupCommandTests : IDisposable
{
    readonly string home = Directory.CreateTempSubdirectory("rampart-setup-home-").FullName;
    string SettingsPath => Path.Combine(home, ".claude", "settings.json");
    static string Command(bool remote = false) => $"'{RampartProcess.BinaryPath}' hook --format claude-code" + (remote ? " --remote" : "");

    const string Existing = """
        {
          "model": "opus",
          "permissions": { "allow": ["Bash(npm test)"], "deny": [] },
          "hooks": {
            "PreToolUse": [
              { "matcher": "Bash", "hooks": [ { "type": "command", "command": "/usr/bin/audit-bash.sh" } ] },
              { "matcher": ".*", "hooks": [ { "type": "command", "command": "/opt/old/rampart hook" } ] }
            ],
            "Stop": [ { "hooks": [ { "type": "command", "command": "notify-send done" } ] } ]
          },
          "env": { "FOO": "bär" }
        }
        """;

    public void Dispose() => Directory.Delete(home, recursive: true);

    Task<RampartProcess.Result> Setup(params string[] args) =>
        RampartProcess.RunAsync(["setup", "claude-code", .. args], env: new Dictionary<string, string?>
        {
            ["HOME"] = home,
            ["CLAUDE_CONFIG_DIR"] = null,
            ["RAMPART_TOKEN"] = null,
            ["RAMPART_URL"] = null,
            ["RAMPART_SERVE_URL"] = null,
        });

    void WriteSettings(string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(SettingsPath)!);
        File.WriteAllText(SettingsPath, text);
    }

    JsonObject Settings() => (JsonObject)JsonNode.Parse(File.ReadAllText(SettingsPath))!;

    static int CountCommand(JsonObject settings, string ev, string command)
    {
        var n = 0;
        foreach (var entry in settings["hooks"]![ev]!.AsArray())
            foreach (var h in entry!["hooks"]!.AsArray())
                if ((string?)h!["command"] == command) n++;
        return n;
    }

    [Fact]
    public async Task Setup_adds_the_hook_to_every_event_and_keeps_everything_else()
    {
        WriteSettings(Existing);
        var result = await Setup("--remote");
        Assert.Equal(0, result.ExitCode);
        var s = Settings();
        Assert.Equal("opus", (string?)s["model"]);
        Assert.Equal("Bash(npm test)", (string?)s["permissions"]!["allow"]![0]);
        Assert.Equal("bär", (string?)s["env"]!["FOO"]);
        Assert.Equal("notify-send done", (string?)s["hooks"]!["Stop"]![0]!["hooks"]![0]!["command"]);
        Assert.Equal("/usr/bin/audit-bash.sh", (string?)s["hooks"]!["PreToolUse"]![0]!["hooks"]![0]!["command"]);
        foreach (var ev in (string[])["PreToolUse", "PostToolUse", "PostToolUseFailure"])
        {
            Assert.Equal(1, CountCommand(s, ev, Command(remote: true)));
            var last = s["hooks"]![ev]!.AsArray()[^1]!;
            Assert.Equal(".*", (string?)last["matcher"]);
            Assert.Equal("command", (string?)last["hooks"]![0]!["type"]);
        }
        // The legacy `…/rampart hook` entry was Rampart's: replaced, its emptied matcher dropped.
        Assert.Equal(2, s["hooks"]!["PreToolUse"]!.AsArray().Count);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(SettingsPath));
        Assert.EndsWith("}\n", File.ReadAllText(SettingsPath));
        Assert.Contains("\n  \"model\": \"opus\"", File.ReadAllText(SettingsPath));
        Assert.Equal(Existing, File.ReadAllText(SettingsPath + ".rampart-backup"));
    }

    [Fact]
    public async Task Running_setup_twice_changes_nothing_the_second_time()
    {
        WriteSettings(Existing);
        await Setup();
        var first = File.ReadAllText(SettingsPath);
        var result = await Setup();
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Rampart hook already configured in Claude Code settings.", result.Stdout);
        Assert.Equal(first, File.ReadAllText(SettingsPath));
    }

    [Fact]
    public async Task Switching_to_remote_replaces_the_previous_rampart_hook()
    {
        WriteSettings(Existing);
        await Setup();
        await Setup("--remote");
        var s = Settings();
        Assert.Equal(0, CountCommand(s, "PreToolUse", Command()));
        Assert.Equal(1, CountCommand(s, "PreToolUse", Command(remote: true)));
    }

    [Fact]
    public async Task Remove_restores_the_settings_to_their_original_content()
    {
        const string original = """
            {
              "model": "opus",
              "hooks": {
                "PreToolUse": [ { "matcher": "Bash", "hooks": [ { "type": "command", "command": "/usr/bin/audit-bash.sh" } ] } ]
              }
            }
            """;
        WriteSettings(original);
        await Setup("--remote");
        var result = await Setup("--remove");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Removed 3 Rampart hook(s)", result.Stdout);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(original), Settings()));
    }

    [Fact]
    public async Task Remove_of_the_only_hooks_drops_the_hooks_object()
    {
        WriteSettings("""{"model":"opus"}""");
        await Setup();
        await Setup("--remove");
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"model":"opus"}"""), Settings()));
    }

    [Fact]
    public async Task Setup_without_a_settings_file_creates_it()
    {
        var result = await Setup();
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(1, CountCommand(Settings(), "PostToolUse", Command()));
    }

    [Fact]
    public async Task Http_form_posts_to_the_server_with_the_token_from_an_allowed_variable_and_blocks_on_failure()
    {
        WriteSettings(Existing);
        var result = await Setup("--http", "--serve-url", "http://127.0.0.1:9191");
        Assert.Equal(0, result.ExitCode);
        var s = Settings();
        var hook = s["hooks"]!["PreToolUse"]!.AsArray()[^1]!["hooks"]![0]!;
        Assert.Equal("http", (string?)hook["type"]);
        Assert.Equal("http://127.0.0.1:9191/v1/hooks/claude-code", (string?)hook["url"]);
        Assert.Equal("Bearer $RAMPART_TOKEN", (string?)hook["headers"]!["Authorization"]);
        Assert.Equal("RAMPART_TOKEN", (string?)hook["allowedEnvVars"]![0]);
        Assert.Equal("block", (string?)hook["onFailure"]);
        // The legacy command entry is gone; the user's own Bash hook stays.
        Assert.Equal("/usr/bin/audit-bash.sh", (string?)s["hooks"]!["PreToolUse"]![0]!["hooks"]![0]!["command"]);
        Assert.Equal(2, s["hooks"]!["PreToolUse"]!.AsArray().Count);

        Assert.Contains("already configured", (await Setup("--http", "--serve-url", "http://127.0.0.1:9191")).Stdout);
        await Setup("--remove");
        Assert.Null(Settings()["hooks"]!["PostToolUse"]);
    }

    [Fact]
    public async Task Invalid_json_is_an_error_unless_forced()
    {
        WriteSettings("{ not json");
        var result = await Setup();
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--force", result.Stderr);
        Assert.Equal("{ not json", File.ReadAllText(SettingsPath));

        Assert.Equal(0, (await Setup("--force")).ExitCode);
        Assert.Equal(1, CountCommand(Settings(), "PreToolUse", Command()));
    }

    [Fact]
    public async Task A_non_array_event_value_is_an_error_unless_forced()
    {
        WriteSettings("""{"hooks":{"PreToolUse":{"matcher":".*"}}}""");
        Assert.Equal(1, (await Setup()).ExitCode);
        Assert.Equal(0, (await Setup("--force")).ExitCode);
    }

    [Fact]
    public async Task CLAUDE_CONFIG_DIR_chooses_the_settings_directory()
    {
        var result = await RampartProcess.RunAsync(["setup", "claude-code"], env: new Dictionary<string, string?>
        {
            ["HOME"] = home,
            ["CLAUDE_CONFIG_DIR"] = "~/custom-claude",
        });
        Assert.Equal(0, result.ExitCode);
        Assert.True(File.Exists(Path.Combine(home, "custom-claude", "settings.json")));
    }

    /// <summary>Runs a settings.json hook command the way Claude Code does: through the shell, event JSON on stdin.</summary>
    async Task<(int ExitCode, string Stdout)> RunHookCommand(string command, string stdin)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("/bin/sh")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = home,
        };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(command);
        psi.Environment["HOME"] = home;
        foreach (var name in (string[])["RAMPART_URL", "RAMPART_SERVE_URL", "RAMPART_TOKEN", "RAMPART_NO_PROJECT_POLICY", "CLAUDE_CONFIG_DIR"]) psi.Environment.Remove(name);
        using var process = System.Diagnostics.Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout);
    }

    [Fact]
    public async Task The_default_setup_installs_a_working_local_hook()
    {
        var setup = await Setup();
        Assert.Equal(0, setup.ExitCode);
        var entry = Settings()["hooks"]!["PreToolUse"]!.AsArray().Single()!;
        var command = (string)entry["hooks"]![0]!["command"]!;
        Assert.Equal(Command(), command);

        var allowed = await RunHookCommand(command, """{"session_id":"s1","cwd":"/tmp","hook_event_name":"PreToolUse","tool_use_id":"toolu_1","tool_name":"Bash","tool_input":{"command":"git status"}}""");
        Assert.Equal(0, allowed.ExitCode);
        Assert.Equal("""{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"allow"}}""" + "\n", allowed.Stdout);

        var denied = await RunHookCommand(command, """{"session_id":"s1","cwd":"/tmp","hook_event_name":"PreToolUse","tool_use_id":"toolu_2","tool_name":"Bash","tool_input":{"command":"rm -rf /"}}""");
        Assert.Equal(0, denied.ExitCode);
        Assert.Contains("\"permissionDecision\":\"deny\"", denied.Stdout);
        Assert.Contains("Destructive command blocked", denied.Stdout);
    }
}
