using Mono.Unix.Native;
using Serilog;

namespace Pool.Worker.Running;

/// <summary>
/// When the master dies (even by SIGKILL) the worker takes the TERM path on its own: at once,
/// told by the master's pidfd (<see cref="ProcessExit"/>), or, where the kernel offers none,
/// within about a quarter of a second, when getppid() no longer names the master (the worker
/// was re-parented).
/// </summary>
internal static class MasterWatch
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    public static async Task RunAsync(int masterPid, WorkerControl control, ILogger log, CancellationToken stop)
    {
        try
        {
            // Opened before the parent check: if the master is still the parent after the open,
            // the pidfd is the master's, not a later process's that reused its pid.
            var exited = ProcessExit.WhenExited(masterPid);
            if (exited is not null && Syscall.getppid() == masterPid) await exited.WaitAsync(stop).ConfigureAwait(false);
            // The kernel re-parents the children before the pidfd turns readable, so this returns
            // at once after a death; it polls where there is no pidfd, or if the wait on it ended
            // for another reason (a failed poll must not stop a worker whose master lives).
            await PollAsync(masterPid, stop).ConfigureAwait(false);
            log.Warning("Master {MasterPid} is gone; stopping as on TERM", masterPid);
            control.RequestStop(StopMode.Term);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    private static async Task PollAsync(int masterPid, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(PollInterval);
        while (Syscall.getppid() == masterPid) await timer.WaitForNextTickAsync(stop).ConfigureAwait(false);
    }
}
