using Mono.Unix.Native;

namespace Pool.TestWorker;

/// <summary>
/// Test hygiene: like pool-worker, leave when the master that started us is gone, so a test
/// that dies half-way (and SIGKILLs only its master) leaves no orphan behind, whatever the mode.
/// </summary>
internal static class MasterGuard
{
    public static void Start(Report report)
    {
        if (!int.TryParse(Environment.GetEnvironmentVariable("POOL_MASTER_PID"), out var master) || master <= 0) return;
        var thread = new Thread(() =>
        {
            while (Syscall.getppid() == master) Thread.Sleep(250);
            report.Line("master gone");
            Environment.Exit(0);
        })
        {
            IsBackground = true,
            Name = "master-guard",
        };
        thread.Start();
    }
}
