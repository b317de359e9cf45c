using System.Text.Json;

namespace Rampart.Tests.Cli;

/// <summary><c>rampart token …</c> against a temp HOME (CLI-020..CLI-024, API-014).</summary>
public sealed class TokenCommandTests : IDisposable
{
    readonly string _home = Directory.CreateTempSubdirectory("rampart-token-home-").FullName;

    public void Dispose() => Directory.Delete(_home, recursive: true);

    Task<RampartProcess.Result> Run(params string[] args) =>
        RampartProcess.RunAsync(["token", .. args], env: new Dictionary<string, string?> { ["HOME"] = _home, ["NO_COLOR"] = "1" });

    string StoreFile => Path.Combine(_home, ".rampart", "tokens.json");

    [Fact]
    public async Task Create_prints_the_token_once_and_stores_only_its_hash()
    {
        var result = await Run("create", "--agent", "codex", "--policy", "paranoid", "--scope", "eval", "--note", "CI", "--expires", "7d", "--json");
        Assert.Equal(0, result.ExitCode);
        using var created = JsonDocument.Parse(result.Stdout);
        var token = created.RootElement.GetProperty("token").GetString()!;
        Assert.Matches("^rampart_[0-9a-f]{48}$", token);
        Assert.Equal("codex", created.RootElement.GetProperty("agent").GetString());
        Assert.Equal("paranoid", created.RootElement.GetProperty("policy").GetString());

        var stored = await File.ReadAllTextAsync(StoreFile);
        Assert.DoesNotContain(token, stored);
        Assert.EndsWith("}\n", stored);
        using var store = JsonDocument.Parse(stored);
        var record = store.RootElement.GetProperty("tokens")[0];
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(token))), record.GetProperty("hash").GetString());
        Assert.Equal(token.Substring(8, 8), record.GetProperty("masked_prefix").GetString());
        Assert.Equal("eval", record.GetProperty("scopes")[0].GetString());
        Assert.True(record.TryGetProperty("expires_at", out _));
        Assert.False(record.TryGetProperty("revoked", out _));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(StoreFile));
    }

    [Fact]
    public async Task List_then_revoke_by_display_id_marks_the_token_revoked()
    {
        var created = await Run("create", "--agent", "codex", "--json");
        using var doc = JsonDocument.Parse(created.Stdout);
        var id = "rampart_" + doc.RootElement.GetProperty("token").GetString()!.Substring(8, 8) + "...";

        var list = await Run("list");
        Assert.Contains(id, list.Stdout);
        Assert.Contains("active", list.Stdout);

        var revoke = await Run("revoke", id);
        Assert.Equal(0, revoke.ExitCode);
        Assert.Contains("Revoked 1 token(s)", revoke.Stdout);

        var json = await Run("list", "--json");
        using var listed = JsonDocument.Parse(json.Stdout);
        Assert.Equal("revoked", listed.RootElement[0].GetProperty("status").GetString());
        Assert.True(listed.RootElement[0].GetProperty("revoked").GetBoolean());

        var again = await Run("revoke", id);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("no active token matching prefix", again.Stderr);
    }

    [Fact]
    public async Task Invalid_scope_is_rejected()
    {
        var result = await Run("create", "--agent", "codex", "--scope", "root");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("token: invalid scope \"root\" (valid: eval, admin)", result.Stderr);
    }

    [Fact]
    public async Task Invalid_agent_name_is_rejected()
    {
        var result = await Run("create", "--agent", "bad name");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("invalid agent name", result.Stderr);
    }

    [Fact]
    public async Task Empty_list_explains_how_to_create_one()
    {
        var result = await Run("list");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("No per-agent tokens found. Create one with: rampart token create --agent <name>", result.Stdout);
    }

    [Fact]
    public async Task Bare_token_command_prints_help_not_the_token()
    {
        Directory.CreateDirectory(Path.Combine(_home, ".rampart"));
        await File.WriteAllTextAsync(Path.Combine(_home, ".rampart", "token"), "secret-admin-token");
        var result = await Run();
        Assert.Equal(0, result.ExitCode);
        Assert.DoesNotContain("secret-admin-token", result.Stdout);
        var show = await Run("show");
        Assert.Equal("secret-admin-token", show.Stdout.Trim());
    }

    [Fact]
    public async Task Show_without_a_token_file_is_an_error()
    {
        var result = await Run("show");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("no token found - run 'rampart serve' to generate one", result.Stderr);
    }
}
