using System.Runtime.InteropServices;
using Mono.Unix.Native;
using Pool.Master.Backoff;
using Pool.Master.Config;
using Pool.Master.Supervision;
using static Pool.Master.Tests.Supervision.InProcess.InProcessPool;

namespace Pool.Master.Tests.Supervision.InProcess;

/// <summary>
/// `standby: N`: started workers that wait, unregistered, to take the slot of a worker that dies,
/// so the slot is back in service without a process start. Each standby is refilled like a slot,
/// goes with its generation (HUP, WINCH) and stops with the master.
/// </summary>
public sealed class StandbyTests
{
    private static WorkerGroup WithStandby(string queue, int count, int standby) => Group(queue, count) with { Standby = standby };

    /// <summary>Started, and past the hold-off after which standbys start (once the workers have).</summary>
    private static InProcessPool Started(params WorkerGroup[] groups) => Started(InProcessPool.TestBackoff, groups);

    private static InProcessPool Started(BackoffOptions backoff, params WorkerGroup[] groups)
    {
        var pool = new InProcessPool(Groups(groups), options: new SupervisorOptions { Backoff = backoff }).Start();
        pool.Advance(SlotTable.StandbyHoldOff);
        return pool;
    }

    private static List<FakeProcess> Standbys(InProcessPool pool) => pool.Live.Where(p => p.IsStandby && p.PromotedTo is null).ToList();

    [Fact(Timeout = 10_000)]
    public async Task Standbys_start_a_second_after_the_workers_with_the_groups_variables_but_no_slot()
    {
        await using var pool = new InProcessPool(Groups(WithStandby("a", 2, 1), Group("b", 1))).Start();
        // Not beside the workers' own start, which it would slow down.
        pool.AssertNextStartAfter(SlotTable.StandbyHoldOff);

        Assert.Equal(4, pool.Os.Started.Count);
        var standby = Assert.Single(Standbys(pool));
        // Last: the memory budget serves the slots first.
        Assert.Same(standby, pool.Os.Started[^1]);
        Assert.Equal("a", standby.Environment["QUEUES"]);
        Assert.Equal("1", standby.Environment["POOL_STANDBY"]);
        Assert.False(standby.Environment.ContainsKey("POOL_WORKER_SLOT"));
        Assert.Equal(["pool-worker", "--default"], standby.Argv);
        Assert.All(pool.Live.Where(p => p != standby), p => Assert.False(p.IsStandby));
        Assert.Equal(1, pool.Log.Count("spawned standby worker"));
    }

    /// <summary>
    /// The hold-off looked at the whole pool's youngest child: with another group starting a
    /// worker every half second (recycling after each job), the standby never started.
    /// </summary>
    [Fact(Timeout = 10_000)]
    public async Task A_pool_that_keeps_starting_workers_holds_a_standby_back_for_five_seconds_at_most()
    {
        // b's two workers recycle themselves (exit 0) in turn, each refilled after a second of
        // uptime (ChildExits), so some child of the pool is always under a second old.
        await using var pool = new InProcessPool(Groups(WithStandby("a", 1, 1), Group("b", 2))).Start();
        void ChurnFor(TimeSpan span)
        {
            for (var moved = TimeSpan.Zero; moved < span; moved += TimeSpan.FromMilliseconds(500))
            {
                pool.Advance(TimeSpan.FromMilliseconds(500));
                pool.Exit(pool.Live.Where(p => p.Environment["QUEUES"] == "b").MinBy(p => p.Pid)!, 0); // the older one
            }
        }

        ChurnFor(SlotTable.StandbyHoldOffLimit - TimeSpan.FromMilliseconds(500));
        Assert.Empty(Standbys(pool));
        ChurnFor(TimeSpan.FromMilliseconds(500));
        var standby = Assert.Single(Standbys(pool));
        Assert.Equal("a", standby.Environment["QUEUES"]);
    }

    [Fact(Timeout = 10_000)]
    public async Task A_dead_workers_slot_goes_to_the_standby_at_once_and_a_new_standby_is_started()
    {
        await using var pool = Started(WithStandby("a", 2, 1));
        var standby = Assert.Single(Standbys(pool));
        var victim = pool.Live.First(p => !p.IsStandby && p.Environment["POOL_WORKER_SLOT"] == "1");
        pool.Advance(TimeSpan.FromSeconds(5));

        pool.Exit(victim, 137);

        Assert.Equal(1, standby.PromotedTo);
        Assert.Equal(1, pool.Log.Count($"standby worker {standby.Pid} took a slot 1"));
        // One start: the next standby, not a replacement worker.
        Assert.Equal(4, pool.Os.Started.Count);
        var next = Assert.Single(Standbys(pool));
        Assert.NotSame(standby, next);
        // The promoted worker is the slot's now: its own death is a slot's crash, refilled by the
        // next standby (past the backoff reset, so at once).
        pool.Advance(TimeSpan.FromSeconds(31), TimeSpan.FromSeconds(1));
        pool.Exit(standby, 1);
        Assert.Equal(1, next.PromotedTo);
        pool.Until(() => pool.Store.RecoveredWorkers.Contains(WorkerId(standby)), "the promoted worker's jobs recovered");
    }

    /// <summary>
    /// The slot's restart backoff held a ready standby back as well: six kill -9s 3.4 s apart made
    /// the slot wait 38 ms, then up to 1.6 s, for a standby that was waiting all along.
    /// </summary>
    [Fact(Timeout = 10_000)]
    public async Task A_crash_looping_slot_takes_a_ready_standby_at_once_whatever_its_backoff()
    {
        await using var pool = Started(WithStandby("a", 1, 1));
        for (var kill = 1; kill <= 6; kill++)
        {
            // Up 3.4 s, well short of the backoff's reset: each kill makes the slot's loop longer
            // (backoff 0, 100, 200, 400, 800 ms, 1.6 s), and the next standby is ready by then.
            pool.Advance(TimeSpan.FromMilliseconds(3400), TimeSpan.FromMilliseconds(100));
            var standby = Assert.Single(Standbys(pool));
            var worker = Assert.Single(pool.Live, p => !p.IsStandby || p.PromotedTo is not null);

            pool.Exit(worker, 137);

            // At the pass that handled the exit, not once the backoff has passed.
            Assert.True(standby.PromotedTo == 0, $"kill {kill}: the standby did not take the slot at once");
        }
        Assert.Equal(1, pool.Log.Count("slot a/0 crash-looping"));
        // Every start after the slot's first worker was a standby's: the slot never needed a new process.
        Assert.All(pool.Os.Started.Skip(1), p => Assert.True(p.IsStandby));
    }

    /// <summary>
    /// A promoted standby that dies is the slot's crash, not its place's, so the place's own
    /// backoff alone never grew: once a slot took its standbys whatever its backoff, a slot that kills
    /// each worker (a poison job, a killer) would get a new standby at each death, as fast as
    /// they came. So such a promotion counts as a quick exit of the place.
    /// </summary>
    [Fact(Timeout = 10_000)]
    public async Task A_slot_that_kills_each_worker_starts_about_as_many_processes_with_a_standby_as_without()
    {
        var backoff = new BackoffOptions(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30));
        async Task<int> StartsWhileEachWorkerDies(int standby)
        {
            await using var pool = Started(backoff, WithStandby("a", 1, standby));
            var before = pool.Os.Started.Count;
            // 40 s of a worker that dies as soon as it is in the slot.
            for (var step = 0; step < 200; step++)
            {
                if (pool.Live.FirstOrDefault(p => !p.IsStandby || p.PromotedTo is not null) is { } worker) pool.Exit(worker, 137);
                pool.Advance(TimeSpan.FromMilliseconds(200));
            }
            return pool.Os.Started.Count - before;
        }

        var without = await StartsWhileEachWorkerDies(standby: 0);
        var with = await StartsWhileEachWorkerDies(standby: 1);
        // Without the standby: 0, 0.1, 0.2, ... 6.4, 10, 10 s apart (10 starts in 40 s).
        Assert.InRange(without, 8, 12);
        // With it, as often: one standby is one process more on the way, whose backoff trails the
        // slot's by a step. Without counting its promotions in the place's backoff: a new
        // standby at each death, 199 in all.
        Assert.InRange(with, 1, without + 2);
    }

    /// <summary>
    /// A standby that starts while the slot still backs off (the place's backoff ended first) goes
    /// to the slot in the pass that starts it: nothing else wakes the loop before the slot's backoff ends.
    /// </summary>
    [Fact(Timeout = 10_000)]
    public async Task A_standby_started_once_its_place_backed_off_goes_to_a_slot_still_backing_off_at_once()
    {
        await using var pool = Started(WithStandby("a", 1, 1));
        pool.Advance(TimeSpan.FromSeconds(5));
        FakeProcess Worker() => Assert.Single(pool.Live, p => !p.IsStandby || p.PromotedTo is not null);

        // Each worker dies as it takes the slot: the slot backs off 0, 100, 200, 400 ms.
        pool.Exit(Worker(), 137);
        pool.Exit(Worker(), 137);
        pool.Exit(Worker(), 137);
        // No child was left, so the place started a standby at once, and the slot took it then.
        var thirdStandby = Worker();
        Assert.True(thirdStandby.IsStandby);
        pool.Exit(thirdStandby, 137);
        Assert.Empty(pool.Live);
        // That promotion was the place's second quick exit: its next standby comes after 100 ms,
        // and takes the slot then, not when the slot's 400 ms have passed.
        pool.AssertNextStartAfter(TimeSpan.FromMilliseconds(100));
        Assert.Equal(0, Assert.Single(pool.Live).PromotedTo);
    }

    [Fact(Timeout = 10_000)]
    public async Task A_slot_takes_the_oldest_standby_not_the_one_just_started_for_the_slot_before()
    {
        await using var pool = Started(WithStandby("a", 3, 2));
        var first = Standbys(pool);
        Assert.Equal(2, first.Count);
        pool.Advance(TimeSpan.FromSeconds(5));
        var workers = pool.Live.Where(p => !p.IsStandby).ToList();

        pool.Exit(workers[0], 137);
        var fresh = Assert.Single(Standbys(pool), p => !first.Contains(p));
        // Before, the place just refilled came first, and the second death took its standby,
        // still starting, while a ready one waited.
        pool.Exit(workers[1], 137);
        Assert.All(first, p => Assert.NotNull(p.PromotedTo));
        Assert.Null(fresh.PromotedTo);
    }

    [Fact(Timeout = 10_000)]
    public async Task A_worker_that_waits_for_memory_gets_the_standbys_memory()
    {
        // Master 48 MB + a 100 + b 100 + two standbys of a 200 = 448 of 450 MB.
        var config = Pool.Master.Tests.Config.ConfigLoaderTests.Parse(
            "memory_budget: 450MB\na:\n  count: 1\n  standby: 2\n  memory_limit_mb: 100\nb:\n  count: 1\n  memory_limit_mb: 100\n");
        await using var pool = new InProcessPool(config).Start();
        pool.Advance(SlotTable.StandbyHoldOff);
        var standbys = Standbys(pool);
        Assert.Equal(2, standbys.Count);
        pool.Advance(TimeSpan.FromSeconds(5));

        // TTIN: a's new slot takes a standby; b's new worker does not fit beside the other one.
        pool.Signal(PosixSignal.SIGTTIN);
        var kept = Assert.Single(Standbys(pool));
        // Before, the standby stayed and b's slot waited for memory for as long as it lived.
        Assert.Contains(Signum.SIGTERM, pool.Os.SignalsTo(kept.Pid));
        Assert.Equal(1, pool.Log.Count($"dismissing standby worker {kept.Pid} (a): a worker waits for its memory"));
        pool.Exit(kept, 0);
        pool.Advance(TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(100));
        Assert.Equal(2, pool.Live.Count(p => p.Environment["QUEUES"] == "b"));
        // And no standby comes back while it would not fit.
        pool.Advance(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1));
        Assert.Empty(Standbys(pool));
    }

    [Fact(Timeout = 10_000)]
    public async Task A_standby_that_dies_is_replaced_after_its_backoff_and_its_death_recovers_nothing()
    {
        await using var pool = Started(WithStandby("a", 1, 1));
        var standby = Assert.Single(Standbys(pool));

        pool.Exit(standby, 1);
        Assert.Equal(1, pool.Log.Count("standby worker " + standby.Pid + " for a exited with code 1"));
        // Its first quick death is retried at once, the next after the backoff, like a slot's.
        Assert.Single(Standbys(pool));
        pool.Exit(Standbys(pool).Single(), 1);
        pool.AssertNextStartAfter(TimeSpan.FromMilliseconds(100));
        // The slot's worker never moved.
        var worker = pool.Live.Single(p => !p.IsStandby);
        Assert.Equal(2, pool.Live.Count);
        // The store hears of exits in order: once the worker's is recovered, a standby's would have been.
        pool.Exit(worker, 1);
        pool.Until(() => pool.Store.RecoveredWorkers.Contains(WorkerId(worker)), "the worker's jobs recovered");
        Assert.DoesNotContain(WorkerId(standby), pool.Store.RecoveredWorkers);
        // Up past the reset, the standby place leaves its crash loop, and its next start is logged again.
        pool.Advance(TimeSpan.FromSeconds(31), TimeSpan.FromSeconds(1));
        Assert.Equal(1, pool.Log.Count("standby of a healthy again"));
    }

    [Fact(Timeout = 10_000)]
    public async Task A_standby_still_starting_takes_a_slot_too_and_without_one_a_slot_gets_a_new_process_as_before()
    {
        await using var pool = Started(WithStandby("a", 3, 1));
        pool.Advance(TimeSpan.FromSeconds(5));
        var workers = pool.Live.Where(p => !p.IsStandby).ToList();

        // Two deaths in a row: the first slot takes the standby, the second the standby started
        // for it (it registers once it is up: still sooner than a process started then).
        pool.Os.Exit(workers[0].Pid, 137);
        pool.Os.Exit(workers[1].Pid, 137);
        pool.Settle();
        Assert.Equal(2, pool.Live.Count(p => p.PromotedTo is not null));
        // The next standby waits until that one's start is a second old.
        Assert.Empty(Standbys(pool));
        pool.Advance(SlotTable.StandbyHoldOff);
        Assert.Single(Standbys(pool));

        // A standby that cannot be told (its pipe is gone: it has just died) leaves the slot to a new process.
        pool.Advance(TimeSpan.FromSeconds(5));
        var dying = Standbys(pool).Single();
        dying.Promote(99);
        var started = pool.Os.Started.Count;
        pool.Exit(workers[2], 137);
        Assert.Equal(started + 1, pool.Os.Started.Count);
        Assert.False(pool.Os.Started[^1].IsStandby);
        Assert.Equal("2", pool.Os.Started[^1].Environment["POOL_WORKER_SLOT"]);
    }

    [Fact(Timeout = 10_000)]
    public async Task Hup_and_winch_dismiss_the_standbys_with_term_and_the_new_generation_gets_its_own()
    {
        await using var pool = Started(WithStandby("a", 1, 1));
        var standby = Assert.Single(Standbys(pool));

        pool.Signal(PosixSignal.SIGHUP);
        pool.Until(() => pool.Os.SignalsTo(standby.Pid).Contains(Signum.SIGTERM), "the old standby dismissed");
        Assert.Equal(1, pool.Log.Count($"dismissing standby worker {standby.Pid} (a): HUP"));
        pool.Exit(standby, 0);
        Assert.Equal(1, pool.Log.Count($"standby worker {standby.Pid} (a) stopped after 0 ms"));
        pool.Advance(SlotTable.StandbyHoldOff);
        var fresh = Assert.Single(Standbys(pool));

        pool.Signal(PosixSignal.SIGWINCH);
        Assert.Contains(Signum.SIGTERM, pool.Os.SignalsTo(fresh.Pid));
        pool.Exit(fresh, 0);
        pool.Advance(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1));
        // Paused: no standby either.
        Assert.Empty(Standbys(pool));
    }

    [Fact(Timeout = 10_000)]
    public async Task Term_stops_the_standbys_with_the_workers_and_the_master_waits_for_them()
    {
        await using var pool = Started(WithStandby("a", 1, 2));
        var standbys = Standbys(pool);
        Assert.Equal(2, standbys.Count);

        pool.Signal(PosixSignal.SIGTERM);
        Assert.All(pool.Live, p => Assert.Contains(Signum.SIGTERM, pool.Os.SignalsTo(p.Pid)));
        foreach (var p in pool.Live.Where(p => !p.IsStandby).ToList()) pool.Exit(p, 0);
        Assert.False(pool.HasExited);
        foreach (var p in standbys) pool.Exit(p, 0);
        Assert.Equal(0, await pool.ExitCodeAsync());
        // No standby was started during the stop.
        Assert.Equal(3, pool.Os.Started.Count);
    }
}
