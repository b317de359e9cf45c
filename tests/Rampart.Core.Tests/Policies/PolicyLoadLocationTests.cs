using Rampart.Core.Policies;

namespace Rampart.Core.Tests.Policies;

/// <summary>PolicyLoadException carries file, line and column beside the spec's unchanged message (issue 2).</summary>
public sealed class PolicyLoadLocationTests : IDisposable
{
    readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("rampart-loc-");

    public void Dispose() => _temp.Delete(recursive: true);

    public static TheoryData<string, string, string, int, int> Broken => new()
    {
        {
            "unknown key",
            "version: \"1\"\npolicies:\n  - name: a\n    rulez: []\n",
            "engine: parse policy file: yaml: unmarshal errors:\n  line 4: field rulez not found in type engine.Policy", 4, 5
        },
        {
            "wrong type",
            "version: \"1\"\npolicies:\n  - name: a\n    priority: high\n",
            "engine: parse policy file: yaml: unmarshal errors:\n  line 4: cannot unmarshal !!str `high` into int", 4, 15
        },
        {
            "duplicate key",
            "version: \"1\"\npolicies:\n  - name: a\n    name: b\n",
            "engine: parse policy file: yaml: unmarshal errors:\n  line 4: mapping key \"name\" already defined at line 3", 4, 5
        },
        {
            "bad regex",
            "version: \"1\"\npolicies:\n  - name: a\n    rules:\n      - action: deny\n        when: { response_matches: [\"(abc\"] }\n",
            "engine: policy \"a\": rule 0: invalid response regex \"(abc\": error parsing regexp: missing closing ): `(abc`", 5, 0
        },
        {
            "bad action",
            "version: \"1\"\npolicies:\n  - name: a\n    rules:\n      - action: nuke\n",
            "", 5, 0
        },
    };

    [Theory]
    [MemberData(nameof(Broken))]
    public void Load_error_names_file_line_and_column(string what, string yaml, string message, int line, int column)
    {
        var file = Path.Combine(_temp.FullName, "p.yaml");
        File.WriteAllText(file, yaml);
        var e = Assert.Throws<PolicyLoadException>(() => PolicyStore.LoadFile(file));
        if (message.Length > 0) Assert.Equal(message, e.Message);
        Assert.True(file == e.File, what);
        Assert.Equal(line, e.Line);
        Assert.Equal(column, e.Column);
        Assert.Equal(column > 0 ? $"{file}:{line}:{column}" : $"{file}:{line}", e.Location);
    }

    [Fact]
    public void Directory_load_error_keeps_the_position_and_names_the_file()
    {
        var file = Path.Combine(_temp.FullName, "bad.yaml");
        File.WriteAllText(file, "policies:\n  - name: a\n    priority: high\n");
        var e = Assert.Throws<PolicyLoadException>(() => PolicyStore.LoadDirectory(_temp.FullName));
        Assert.StartsWith("engine: parse policy ", e.Message);
        Assert.Equal($"{file}:3:15", e.Location);
    }

    [Fact]
    public void Syntax_error_has_a_position()
    {
        var file = Path.Combine(_temp.FullName, "s.yaml");
        File.WriteAllText(file, "version: \"1\"\npolicies:\n  - name: a\n   rules: [\n");
        var e = Assert.Throws<PolicyLoadException>(() => PolicyStore.LoadFile(file));
        Assert.Equal("engine: parse policy file: yaml: line 2: did not find expected '-' indicator", e.Message);
        Assert.Equal(file, e.File);
        Assert.True(e.Line > 0);
    }
}
