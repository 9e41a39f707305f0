using Mono.Unix.Native;
using Pool.Worker.Jobs;

namespace Pool.Samples;

/// <summary>Ends its own worker process at once with SIGKILL, mid-job: nothing gets to clean up.</summary>
public sealed class Crash : IJob
{
    public void Perform()
    {
        Syscall.kill(Environment.ProcessId, Signum.SIGKILL);
        Thread.Sleep(Timeout.Infinite);
    }
}

/// <summary>Allocates and touches that many megabytes, then holds them for that many seconds.</summary>
public sealed class Hog : IJob
{
    public async Task PerformAsync(int megabytes, double seconds, CancellationToken token)
    {
        var blocks = new byte[megabytes][];
        for (var i = 0; i < megabytes; i++)
        {
            blocks[i] = new byte[1024 * 1024];
            // Touch every page so the memory is resident, not just reserved.
            for (var j = 0; j < blocks[i].Length; j += 4096) blocks[i][j] = 1;
        }
        await Task.Delay(TimeSpan.FromSeconds(seconds), token).ConfigureAwait(false);
        GC.KeepAlive(blocks);
    }
}
