// pool-master supervises POSIX process groups and signals: it runs on Linux only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
