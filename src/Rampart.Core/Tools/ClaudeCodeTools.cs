using System.Collections.Frozen;
using System.Text.Json;

namespace Rampart.Core.Tools;

/// <summary>Claude Code hook tool names to policy tool classes (POL-012); <c>mcp__…</c> names go through POL-013.</summary>
public static class ClaudeCodeTools
{
    /// <summary>The class of a host tool this hook does not know; such calls are refused.</summary>
    public const string Unknown = "unknown";

    private static readonly FrozenDictionary<string, string> Classes = Build();

    private static FrozenDictionary<string, string> Build()
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        void Add(string cls, params string[] names)
        {
            foreach (var n in names) map.Add(n, cls);
        }
        Add("exec", "Bash", "PowerShell", "Monitor", "code_execution");
        Add("read", "Read", "ReadFile", "Glob", "Grep", "LSP", "ToolSearch", "tool_search", "ListMcpResourcesTool",
            "ReadMcpResourceTool", "WaitForMcpServers", "Skill", "TaskGet", "TaskList", "TaskOutput", "CronList");
        Add("write", "Write", "WriteFile", "Edit", "EditFile", "NotebookEdit", "EnterWorktree");
        Add("fetch", "WebFetch", "WebSearch", "Fetch", "web_search", "web_fetch");
        Add("memory", "memory");
        Add("agent", "Task", "Agent", "Workflow", "RemoteTrigger");
        Add("process", "CronCreate", "CronDelete", "ScheduleWakeup", "TaskCreate", "TaskStop", "TaskUpdate", "TodoWrite");
        Add("message", "Artifact", "PushNotification", "SendMessage", "SendUserFile", "ShareOnboardingGuide");
        Add("interact", "AskUserQuestion", "EnterPlanMode", "ExitPlanMode", "ExitWorktree", "EndConversation", "ReportFindings");
        return map.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>Exact, case-sensitive names map by table; names starting with <c>mcp__</c> (any case, after trim) by POL-013.</summary>
    public static string Classify(string hostToolName, IReadOnlyDictionary<string, JsonElement>? toolInput = null)
    {
        ArgumentNullException.ThrowIfNull(hostToolName);
        if (hostToolName.AsSpan().Trim().StartsWith("mcp__", StringComparison.OrdinalIgnoreCase))
        {
            return McpToolClasses.ClassifyNative(hostToolName, toolInput);
        }
        return Classes.TryGetValue(hostToolName, out var cls) ? cls : Unknown;
    }
}
