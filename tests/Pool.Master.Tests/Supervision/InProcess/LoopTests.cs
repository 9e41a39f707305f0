using System.Runtime.InteropServices;
using Mono.Unix.Native;
using Pool.Testing;
using static Pool.Master.Tests.Supervision.InProcess.InProcessPool;

namespace Pool.Master.Tests.Supervision.InProcess;

/// <summary>The loop itself: a failing pass costs that pass, never the master.</summary>
public sealed class LoopTests
{
    [Fact(Timeout = 10_000)]
    public async Task A_pass_that_throws_is_logged_and_the_loop_carries_on()
    {
        await using var pool = new InProcessPool(Groups(Group("a", 1, memoryLimitMb: 100))).Start();
        pool.Os.Fault = new IOException("too many open files");

        // Housekeeping reads /proc and relaying signals: both fail.
        pool.Clock.Advance(TimeSpan.FromSeconds(1));
        Wait.Until(() => pool.Log.Count("supervision pass failed (too many open files); carrying on") == 1, Deadline, "the failed pass");
        pool.AdvanceUntilWaiting(TimeSpan.FromMilliseconds(200));
        pool.Post(SignalNamesUsr1);
        Wait.Until(() => pool.Log.Count("supervision pass failed") >= 2, Deadline, "the second failed pass");
        Assert.False(pool.HasExited);

        pool.Os.Fault = null;
        pool.AdvanceUntilWaiting(TimeSpan.FromMilliseconds(200));
        var child = pool.Live.Single();
        pool.Exit(child, 1);
        Assert.Equal(2, pool.Os.Started.Count);
        pool.Usr2();
        Assert.Equal([Signum.SIGUSR2], pool.Os.SignalsTo(pool.Live.Single().Pid));

        pool.Signal(PosixSignal.SIGTERM);
        pool.Exit(pool.Live.Single(), 0);
        Assert.Equal(0, await pool.ExitCodeAsync());
    }

    private static readonly PosixSignal SignalNamesUsr1 = Pool.Signals.SignalNames.Usr1;
}
