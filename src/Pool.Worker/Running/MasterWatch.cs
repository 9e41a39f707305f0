using Mono.Unix.Native;
using Serilog;

namespace Pool.Worker.Running;

/// <summary>
/// When the master dies (even by SIGKILL) the worker is re-parented, so getppid() changes. The
/// worker then takes the TERM path on its own, within about a quarter of a second.
/// </summary>
internal static class MasterWatch
{
    public static async Task RunAsync(int masterPid, WorkerControl control, ILogger log, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                if (Syscall.getppid() == masterPid) continue;
                log.Warning("Master {MasterPid} is gone; stopping as on TERM", masterPid);
                control.RequestStop(StopMode.Term);
                return;
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }
}
