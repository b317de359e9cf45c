namespace Rampart.Core.Tests.Audit;

/// <summary>A fresh directory under the system temp dir, removed on dispose.</summary>
internal sealed class TempAuditDir : IDisposable
{
    public TempAuditDir(string? parent = null)
    {
        Root = Path.Combine(parent ?? Path.GetTempPath(), "rampart-audit-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
        Path_ = Path.Combine(Root, "audit");
    }

    public string Root { get; }

    /// <summary>The audit directory itself (not created yet: the writer creates it).</summary>
    public string Path_ { get; }

    public string File(string name) => System.IO.Path.Combine(Path_, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
