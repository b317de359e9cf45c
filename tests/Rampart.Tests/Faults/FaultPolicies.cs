namespace Rampart.Tests.Faults;

/// <summary>Policies the fault tests serve.</summary>
internal static class FaultPolicies
{
    /// <summary>Allow by default, deny <c>rm -rf *</c>: one allowed and one denied decision to load and check with.</summary>
    public const string BlockRm = """
        version: "1"
        default_action: allow
        policies:
          - name: block-rm
            match:
              tool: exec
            rules:
              - action: deny
                when:
                  command_matches: ["rm -rf *"]
                message: destructive command blocked
        """;
}
