using Mono.Unix.Native;
using static Pool.Master.Tests.Supervision.InProcess.InProcessPool;

namespace Pool.Master.Tests.Supervision.InProcess;

/// <summary>USR1, USR2 and CONT passed on to the children, held for a child that cannot take them yet.</summary>
public sealed class RelayTests
{
    private static readonly TimeSpan Poll = Pool.Master.Supervision.SignalRelay.HeldSignalPoll;

    [Fact(Timeout = 10_000)]
    public async Task Signals_for_a_young_child_that_does_not_catch_usr1_yet_wait_and_then_go_in_order()
    {
        await using var pool = new InProcessPool(Groups(Group("a", 2))).Start();
        var (young, ready) = (pool.Live[0], pool.Live[1]);
        pool.Os.SetCatches(young.Pid, Signum.SIGUSR1, false);

        pool.Usr1();
        pool.Usr2();
        pool.Signal(System.Runtime.InteropServices.PosixSignal.SIGCONT);
        pool.Advance(Poll);

        Assert.Equal([Signum.SIGUSR1, Signum.SIGUSR2, Signum.SIGCONT], pool.Os.SignalsTo(ready.Pid));
        // CONT could go at once, but never ahead of what is held.
        Assert.Empty(pool.Os.SignalsTo(young.Pid));
        Assert.Equal(1, pool.Log.Count("passed USR1 on to 1 worker(s); held for 1 just-started worker(s) until they handle it"));

        pool.Os.SetCatches(young.Pid, Signum.SIGUSR1, true);
        pool.Advance(Poll);
        Assert.Equal([Signum.SIGUSR1, Signum.SIGUSR2, Signum.SIGCONT], pool.Os.SignalsTo(young.Pid));
    }

    /// <summary>QUIT's default action dumps core: a worker that got it just after its spawn (a TTOU in a trial) died with one.</summary>
    [Fact(Timeout = 10_000)]
    public async Task A_young_child_that_does_not_catch_quit_yet_is_stopped_with_term()
    {
        await using var pool = new InProcessPool(Groups(Group("a", 2))).Start();
        var (young, ready) = (pool.Live[0], pool.Live[1]);
        pool.Os.SetCatches(young.Pid, Signum.SIGQUIT, false);

        pool.Signal(System.Runtime.InteropServices.PosixSignal.SIGQUIT);

        Assert.Equal([Signum.SIGTERM], pool.Os.SignalsTo(young.Pid));
        Assert.Equal([Signum.SIGQUIT], pool.Os.SignalsTo(ready.Pid));
    }

    [Fact(Timeout = 10_000)]
    public async Task A_child_past_its_start_that_does_not_catch_quit_gets_quit_as_resque_pool_sends_it()
    {
        await using var pool = new InProcessPool(Groups(Group("a", 1))).Start();
        var child = pool.Live.Single();
        pool.Advance(Pool.Master.Processes.HeldSignals.YoungFor);
        pool.Os.SetCatches(child.Pid, Signum.SIGQUIT, false);

        pool.Signal(System.Runtime.InteropServices.PosixSignal.SIGQUIT);

        Assert.Equal([Signum.SIGQUIT], pool.Os.SignalsTo(child.Pid));
    }

    [Fact(Timeout = 10_000)]
    public async Task A_child_that_never_catches_the_signal_gets_it_once_it_is_no_longer_young()
    {
        await using var pool = new InProcessPool(Groups(Group("a", 1))).Start();
        var child = pool.Live.Single();
        pool.Os.SetCatches(child.Pid, Signum.SIGUSR2, false);

        pool.Usr2();
        pool.Advance(Pool.Master.Processes.HeldSignals.YoungFor - Poll, Poll * 50);
        Assert.Empty(pool.Os.SignalsTo(child.Pid));

        pool.Advance(Poll);
        Assert.Equal([Signum.SIGUSR2], pool.Os.SignalsTo(child.Pid));
    }

    [Fact(Timeout = 10_000)]
    public async Task A_child_past_its_start_gets_usr1_at_once_even_if_it_does_not_catch_it()
    {
        await using var pool = new InProcessPool(Groups(Group("a", 1))).Start();
        var child = pool.Live.Single();
        pool.Advance(Pool.Master.Processes.HeldSignals.YoungFor);
        pool.Os.SetCatches(child.Pid, Signum.SIGUSR1, false);

        pool.Usr1();

        Assert.Equal([Signum.SIGUSR1], pool.Os.SignalsTo(child.Pid));
        Assert.Equal(1, pool.Log.Count("passed USR1 on to 1 worker(s)"));
    }

    /// <summary>
    /// A pause by USR2 used to hold only the workers that got it: one started after it (a
    /// respawn after a crash during a maintenance pause, a standby, TTIN) took jobs at once.
    /// </summary>
    [Fact(Timeout = 10_000)]
    public async Task Workers_started_between_usr2_and_cont_start_paused_and_cont_reaches_them_once_they_listen()
    {
        await using var pool = new InProcessPool(Groups(Group("a", 1) with { Standby = 1 }, Group("b", 1))).Start();
        pool.Advance(Pool.Master.Supervision.SlotTable.StandbyHoldOff);
        Assert.All(pool.Live, p => Assert.False(p.Environment.ContainsKey("POOL_PAUSED")));
        pool.Advance(TimeSpan.FromSeconds(5));
        FakeProcess B() => pool.Live.Single(p => p.Environment["QUEUES"] == "b");

        pool.Usr2();
        var crashed = B();
        pool.Exit(crashed, 137);
        pool.Advance(TimeSpan.FromSeconds(1), Poll);
        var respawned = B();
        Assert.NotSame(crashed, respawned);
        Assert.Equal("1", respawned.Environment["POOL_PAUSED"]);
        // a's dead worker's slot takes the standby (which got the USR2); the standby started in its place is paused too.
        pool.Exit(pool.Live.Single(p => p.Environment["QUEUES"] == "a" && !p.IsStandby), 137);
        var standby = pool.Live.Single(p => p.IsStandby && p.PromotedTo is null);
        Assert.Equal("1", standby.Environment["POOL_PAUSED"]);

        // CONT goes to a just-started worker only once it listens: before that its default
        // action does nothing, and the worker would stay paused.
        pool.Os.SetCatches(standby.Pid, Signum.SIGCONT, false);
        pool.Signal(System.Runtime.InteropServices.PosixSignal.SIGCONT);
        Assert.DoesNotContain(Signum.SIGCONT, pool.Os.SignalsTo(standby.Pid));
        pool.Os.SetCatches(standby.Pid, Signum.SIGCONT, true);
        pool.Advance(Poll);
        Assert.Contains(Signum.SIGCONT, pool.Os.SignalsTo(standby.Pid));

        // Resumed: the next worker starts as any other.
        pool.Exit(respawned, 137);
        pool.Advance(TimeSpan.FromSeconds(5), Poll * 10);
        Assert.False(B().Environment.ContainsKey("POOL_PAUSED"));
    }
}
