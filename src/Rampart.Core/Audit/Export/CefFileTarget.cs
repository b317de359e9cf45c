using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Rampart.Core.Audit.Export;

/// <summary>
/// <c>--cef</c> without <c>--syslog</c>: one CEF line per event appended to <c>&lt;audit-dir&gt;/cef.log</c>
/// (AUD-095), created 0600 with the audit files' safety checks (AUD-043: regular, non-symlink, the
/// handle is the file at the path). Opened at start-up, where a failure is fatal (CLI-013); a later
/// write failure closes the file, is logged once, and the next event re-opens it.
/// </summary>
internal sealed class CefFileTarget : IExportTarget
{
    readonly AuditDirectory _dir;
    readonly AuditExportOptions _options;
    SafeFileHandle? _file;
    bool _isDown;

    public CefFileTarget(AuditExportOptions options)
    {
        _options = options;
        _dir = new AuditDirectory(Path.GetFullPath(options.AuditDirectory));
        _dir.Ensure(create: true);
        _file = Open();
    }

    public void Start()
    {
    }

    SafeFileHandle Open() =>
        UnixFile.LStat(_dir.Combine(AuditFileNames.Cef)) is null
            ? _dir.CreateExclusive(AuditFileNames.Cef, fsync: false)
            : _dir.OpenExisting(AuditFileNames.Cef, UnixFile.WriteOnly | UnixFile.Append, out _, chmod: true);

    public void Send(AuditEvent e)
    {
        var line = Encoding.UTF8.GetBytes(AuditCef.Format(e, _options.Version) + "\n");
        try
        {
            _file ??= Open();
            // O_APPEND: the kernel appends whatever the offset; one write per line keeps lines whole.
            RandomAccess.Write(_file, line, UnixFile.FStat(_file, AuditFileNames.Cef).Size);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _file?.Dispose();
            _file = null;
            if (!_isDown)
            {
                _isDown = true;
                _options.Warn($"audit export: write {AuditFileNames.Cef} failed: {ex.Message}");
            }
            throw new AuditExportUnavailableException(ex.Message, ex);
        }
        if (_isDown)
        {
            _isDown = false;
            _options.Warn($"audit export: writing {AuditFileNames.Cef} again");
        }
    }

    public void Dispose()
    {
        _file?.Dispose();
        _file = null;
    }
}
