// POSIX signals, getppid and process groups: the worker is for Linux and other Unixes only.
[assembly: System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
