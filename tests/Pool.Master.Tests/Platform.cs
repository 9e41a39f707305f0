// The master is Linux-only (process groups, POSIX signals), and so are the tests that drive it.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
