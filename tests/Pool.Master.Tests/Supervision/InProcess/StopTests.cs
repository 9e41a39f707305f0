using System.Runtime.InteropServices;
using Mono.Unix.Native;
using static Pool.Master.Tests.Supervision.InProcess.InProcessPool;

namespace Pool.Master.Tests.Supervision.InProcess;

/// <summary>The master's stop (TERM, INT, QUIT) in stages: signal, deadline per group, SIGKILL of the group, reaping every child, the report.</summary>
public sealed class StopTests
{
    [Fact(Timeout = 10_000)]
    public async Task Term_reaches_every_child_and_each_group_is_killed_at_its_own_term_timeout_plus_grace()
    {
        await using var pool = new InProcessPool(Groups(Group("fast", 2, termTimeout: TimeSpan.FromSeconds(3)), Group("slow", 1))).Start();
        var fast = pool.Live.Where(p => p.Environment["QUEUES"] == "fast").Select(p => p.Pid).ToList();
        var slow = pool.Live.Single(p => p.Environment["QUEUES"] == "slow").Pid;

        pool.Signal(PosixSignal.SIGTERM);
        Assert.All(pool.Live, p => Assert.Equal([Signum.SIGTERM], pool.Os.SignalsTo(p.Pid)));

        // fast: 3 s + 1 s grace; slow: the master's 10 s + 1 s.
        pool.AssertNextGroupKillAfter(TimeSpan.FromSeconds(4));
        Assert.Equal(fast.Order(), pool.Os.GroupKills.Order());
        pool.AssertNextGroupKillAfter(TimeSpan.FromSeconds(7));
        Assert.Equal(slow, pool.Os.GroupKills[^1]);

        foreach (var child in pool.Live) pool.Exit(child, 137);
        Assert.Equal(0, await pool.ExitCodeAsync());
        Assert.Equal(3, pool.Os.Started.Count);
        Assert.Equal(1, pool.Log.Count("stage report: drained 3 worker(s) in 11000 ms"));
        Assert.Equal(3, pool.Log.Count("killed (SIGKILL to its group)"));
    }

    [Fact(Timeout = 10_000)]
    public async Task With_term_child_off_the_children_get_int()
    {
        await using var pool = new InProcessPool(Groups(Group("a", 2)), DefaultSettings with { TermChild = false }).Start();

        pool.Signal(PosixSignal.SIGTERM);

        Assert.All(pool.Live, p => Assert.Equal([Signum.SIGINT], pool.Os.SignalsTo(p.Pid)));
    }

    [Fact(Timeout = 10_000)]
    public async Task A_child_that_dies_during_the_stop_is_not_replaced()
    {
        await using var pool = new InProcessPool(Groups(Group("a", 2))).Start();
        pool.Signal(PosixSignal.SIGTERM);

        pool.Exit(pool.Live[0], 1);
        pool.Advance(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1));

        Assert.Equal(2, pool.Os.Started.Count);
        Assert.False(pool.HasExited);
    }

    [Fact(Timeout = 10_000)]
    public async Task A_slot_backing_off_when_the_stop_begins_stays_empty_and_the_loop_rests_until_the_deadline()
    {
        await using var pool = new InProcessPool(Groups(Group("a", 2))).Start();
        // Slot 0 crashes twice: its next worker is due in 100 ms.
        pool.Exit(pool.Live[0], 1);
        pool.Exit(pool.Live[^1], 1);
        var survivor = pool.Live.Single();
        pool.Signal(PosixSignal.SIGTERM);

        // Past the slot's 100 ms backoff: no spawn, and the loop waits (a due spawn it may not do must not wake it at once, forever).
        pool.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(3, pool.Os.Started.Count);
        pool.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(survivor.Pid, pool.Os.GroupKills[^1]);
    }

    [Fact(Timeout = 10_000)]
    public async Task A_child_past_its_wait_after_sigkill_does_not_wake_the_loop_while_another_one_still_has_time()
    {
        await using var pool = new InProcessPool(Groups(Group("fast", 1, termTimeout: TimeSpan.FromSeconds(1)), Group("slow", 1))).Start();
        pool.Signal(PosixSignal.SIGTERM);
        pool.Advance(TimeSpan.FromSeconds(2));
        Assert.Single(pool.Os.GroupKills);

        // The fast one ignores SIGKILL; its 2 s wait ends at 4 s while the slow one has until 11 s.
        pool.Advance(TimeSpan.FromSeconds(5));
        Assert.False(pool.HasExited);
        pool.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(2, pool.Os.GroupKills.Count);
        pool.Advance(pool.Options.AfterKillWait);
        Assert.Equal(0, await pool.ExitCodeAsync());
        Assert.Equal(2, pool.Log.Count("giving up on it"));
    }

    [Fact(Timeout = 10_000)]
    public async Task A_second_term_kills_every_group_at_once()
    {
        await using var pool = new InProcessPool(Groups(Group("a", 3))).Start();
        pool.Signal(PosixSignal.SIGTERM);
        pool.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Empty(pool.Os.GroupKills);

        pool.Signal(PosixSignal.SIGINT);

        Assert.Equal(pool.Live.Select(p => p.Pid).Order(), pool.Os.GroupKills.Order());
        Assert.Equal(1, pool.Log.Count("stage kill: INT again: stop now, SIGKILL to 3 worker group(s)"));
        foreach (var child in pool.Live) pool.Exit(child, 137);
        Assert.Equal(0, await pool.ExitCodeAsync());
    }

    [Fact(Timeout = 10_000)]
    public async Task Quit_waits_for_the_current_jobs_however_long_they_take()
    {
        await using var pool = new InProcessPool(Groups(Group("a", 2, termTimeout: TimeSpan.FromSeconds(1)))).Start();

        pool.Signal(PosixSignal.SIGQUIT);
        pool.Advance(TimeSpan.FromHours(1));
        pool.Signal(PosixSignal.SIGQUIT);

        Assert.All(pool.Live, p => Assert.Equal([Signum.SIGQUIT], pool.Os.SignalsTo(p.Pid)));
        Assert.Empty(pool.Os.GroupKills);
        Assert.Equal(1, pool.Log.Count("QUIT ignored: already stopping"));
        foreach (var child in pool.Live) pool.Exit(child, 0);
        Assert.Equal(0, await pool.ExitCodeAsync());
        Assert.Equal(2, pool.Os.Started.Count);
    }

    [Fact(Timeout = 10_000)]
    public async Task Term_after_quit_adds_a_deadline_counted_from_the_term()
    {
        await using var pool = new InProcessPool(Groups(Group("a", 2))).Start();
        pool.Signal(PosixSignal.SIGQUIT);
        pool.Advance(TimeSpan.FromSeconds(5));

        pool.Signal(PosixSignal.SIGTERM);
        Assert.All(pool.Live, p => Assert.Equal([Signum.SIGQUIT, Signum.SIGTERM], pool.Os.SignalsTo(p.Pid)));

        pool.AssertNextGroupKillAfter(TimeSpan.FromSeconds(11));
        Assert.Equal(2, pool.Os.GroupKills.Count);
    }

    [Fact(Timeout = 10_000)]
    public async Task A_master_term_never_extends_the_deadline_a_retiring_child_already_has()
    {
        await using var pool = new InProcessPool(Groups(Group("a", 1)));
        pool.Reload = () => Groups(Group("b", 1));
        pool.Start();
        var old = pool.Live.Single();
        pool.Signal(PosixSignal.SIGHUP);
        pool.Until(() => pool.Os.SignalsTo(old.Pid).Count == 1, "the old worker retired");
        var next = pool.Live.Single(p => p != old);

        // Retired at 0 s with the kill at 11 s; the master's TERM at 5 s would set 16 s.
        pool.Advance(TimeSpan.FromSeconds(5));
        pool.Signal(PosixSignal.SIGTERM);
        Assert.Equal([Signum.SIGTERM], pool.Os.SignalsTo(old.Pid));

        pool.AssertNextGroupKillAfter(TimeSpan.FromSeconds(6));
        Assert.Equal([old.Pid], pool.Os.GroupKills);
        pool.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal([old.Pid, next.Pid], pool.Os.GroupKills);
    }

    [Fact(Timeout = 10_000)]
    public async Task Quit_then_term_gives_a_deadline_but_never_a_later_one_than_the_child_had()
    {
        await using var pool = new InProcessPool(Groups(Group("a", 1, memoryLimitMb: 100))).Start();
        var child = pool.Live.Single();
        // Over twice its memory limit at 1 s: TERM with the kill at 12 s.
        pool.Os.SetResidentMb(child.Pid, 1000);
        pool.Advance(TimeSpan.FromSeconds(1));
        pool.Os.SetResidentMb(child.Pid, 0);
        Assert.Equal([Signum.SIGTERM], pool.Os.SignalsTo(child.Pid));

        pool.Advance(TimeSpan.FromSeconds(2));
        pool.Signal(PosixSignal.SIGQUIT);
        pool.Advance(TimeSpan.FromSeconds(2));
        pool.Signal(PosixSignal.SIGTERM);

        Assert.Equal(Signum.SIGTERM, pool.Os.SignalsTo(child.Pid)[^1]);
        pool.AssertNextGroupKillAfter(TimeSpan.FromSeconds(7));
    }

    [Fact(Timeout = 10_000)]
    public async Task While_the_master_stops_hup_winch_ttin_and_ttou_change_nothing()
    {
        await using var pool = new InProcessPool(Groups(Group("a", 2))).Start();
        pool.Signal(PosixSignal.SIGQUIT);

        foreach (var signal in new[] { PosixSignal.SIGHUP, PosixSignal.SIGWINCH, PosixSignal.SIGTTIN, PosixSignal.SIGTTOU })
            pool.Signal(signal);
        pool.Advance(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1));

        Assert.Equal(2, pool.Os.Started.Count);
        Assert.All(pool.Live, p => Assert.Equal([Signum.SIGQUIT], pool.Os.SignalsTo(p.Pid)));
        Assert.Equal(0, pool.Reloads);
        Assert.Equal(0, pool.Store.BusyQuestions);
        Assert.Equal(1, pool.Log.Count("HUP ignored: stopping"));
    }

    [Fact(Timeout = 10_000)]
    public async Task The_master_exits_only_once_every_child_is_reaped()
    {
        await using var pool = new InProcessPool(Groups(Group("a", 3))).Start();
        pool.Signal(PosixSignal.SIGTERM);
        var children = pool.Live;

        pool.Exit(children[0], 0);
        pool.Exit(children[1], 0);
        // Short of the 11 s deadline: the last child is alive and not killed.
        pool.Advance(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(1));
        Assert.False(pool.HasExited);

        pool.Exit(children[2], 137);
        Assert.Equal(0, await pool.ExitCodeAsync());
        Assert.Equal(1, pool.Log.Count("stage report: drained 3 worker(s)"));
        Assert.Equal(1, pool.Log.Count("killed by SIGKILL, not by the master"));
    }

    [Fact(Timeout = 10_000)]
    public async Task A_child_that_outlives_its_sigkill_is_given_up_after_the_after_kill_wait()
    {
        await using var pool = new InProcessPool(Groups(Group("a", 1))).Start();
        pool.Signal(PosixSignal.SIGTERM);
        pool.Advance(TimeSpan.FromSeconds(11));
        Assert.Single(pool.Os.GroupKills);

        pool.AssertGrowsExactlyAfter(pool.Options.AfterKillWait, () => pool.HasExited ? 1 : 0, "the master's exit");
        Assert.Equal(0, await pool.ExitCodeAsync());
        Assert.Equal(1, pool.Log.Count("still not reaped 2000 ms after SIGKILL; giving up on it"));
        Assert.Equal(1, pool.Log.Count("still alive after SIGKILL (given up)"));
    }

    [Fact(Timeout = 10_000)]
    public async Task A_term_that_came_during_startup_is_handled_before_the_first_spawn()
    {
        await using var pool = new InProcessPool(Groups(Group("a", 3)));
        pool.Post(PosixSignal.SIGTERM);

        pool.Start();

        Assert.Equal(0, await pool.ExitCodeAsync());
        Assert.Empty(pool.Os.Started);
    }
}
