using Mono.Unix.Native;
using Pool.Worker.Jobs;

namespace Pool.Samples;

/// <summary>Ends its own worker process mid-job: at once with SIGKILL (nothing gets to clean up), or by an exception on a thread of its own.</summary>
public sealed class Crash : IJob
{
    /// <param name="how">"kill" (the default): SIGKILL, as the OOM killer does; "thread": an exception on a thread of the job's own, which nothing catches.</param>
    public void Perform(string how = "kill")
    {
        if (how == "thread") new Thread(() => throw new InvalidOperationException("thrown on the Crash job's own thread")).Start();
        else Syscall.kill(Environment.ProcessId, Signum.SIGKILL);
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
