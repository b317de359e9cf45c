// Rampart runs on Unix only: owner-only file modes, flock-based locks and POSIX signals are part
// of its security model (SEC-020..SEC-022, CLI-016), so Windows is declared unsupported once here.
[assembly: System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
