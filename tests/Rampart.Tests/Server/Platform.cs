// The executable declares itself Unix-only (src/Rampart/Hosting/Platform.cs); so do its tests.
[assembly: System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
