namespace Rampart.Core.Matching;

/// <summary>General glob (POL-056): command_*, url_matches, session_*, match.agent/session/tool, tool_param_matches.</summary>
public sealed class GlobPattern
{
    private GlobPattern(string pattern) => Pattern = pattern;

    /// <summary>Precompiles a pattern (classified once).</summary>
    public static GlobPattern Compile(string pattern) => throw new NotImplementedException();

    public string Pattern { get; }

    /// <summary>Set by the evaluator: the pattern itself is a composite shell command (POL-050 step 2).</summary>
    public bool IsComposite { get; set; }

    public bool IsMatch(string name) => throw new NotImplementedException();
}
