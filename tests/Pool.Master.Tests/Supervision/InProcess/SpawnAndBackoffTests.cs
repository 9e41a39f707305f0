using System.ComponentModel;
using static Pool.Master.Tests.Supervision.InProcess.InProcessPool;

namespace Pool.Master.Tests.Supervision.InProcess;

/// <summary>Filling slots, respawning after a crash or a recycle, and the backoff of a slot whose worker keeps dying.</summary>
public sealed class SpawnAndBackoffTests
{
    [Fact(Timeout = 10_000)]
    public async Task Every_slot_of_every_group_gets_a_worker_with_its_command_queues_and_slot_number()
    {
        await using var pool = new InProcessPool(Groups(Group("a", 2), Group("b", 3, command: "ruby work.rb --verbose"))).Start();

        var started = pool.Os.Started;
        Assert.Equal(5, started.Count);
        var a = started.Where(p => p.Environment["QUEUES"] == "a").ToList();
        var b = started.Where(p => p.Environment["QUEUES"] == "b").ToList();
        Assert.Equal(["0", "1"], a.Select(p => p.Environment["POOL_WORKER_SLOT"]).Order());
        Assert.Equal(["0", "1", "2"], b.Select(p => p.Environment["POOL_WORKER_SLOT"]).Order());
        Assert.All(a, p => Assert.Equal(["pool-worker", "--default"], p.Argv));
        Assert.All(b, p => Assert.Equal(["ruby", "work.rb", "--verbose"], p.Argv));
        Assert.Equal(5, pool.Log.Count("spawned worker"));

        pool.Advance(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1));
        Assert.Equal(5, pool.Os.Started.Count);
    }

    [Fact(Timeout = 10_000)]
    public async Task A_crash_is_replaced_at_once_then_quick_crashes_double_the_delay_up_to_the_cap_and_the_loop_is_logged_once()
    {
        await using var pool = new InProcessPool(Groups(Group("a", 1))).Start();
        pool.Advance(TimeSpan.FromMilliseconds(10));

        pool.Exit(pool.Live.Single(), 1);
        Assert.Equal(2, pool.Os.Started.Count);
        Assert.Equal(1, pool.Log.Count("exited with code 1 after 10 ms; replacing it"));

        // 100 ms doubling up to the 2 s cap; each respawn happens exactly when its delay ends.
        foreach (var delay in new[] { 100, 200, 400, 800, 1600, 2000, 2000 })
        {
            pool.Exit(pool.Live.Single(), 1);
            pool.AssertNextStartAfter(TimeSpan.FromMilliseconds(delay));
        }
        Assert.Equal(1, pool.Log.Count("crash-looping"));
        // While it loops, each crash is not a line of its own.
        Assert.Equal(1, pool.Log.Count("; replacing it"));
    }

    [Fact(Timeout = 10_000)]
    public async Task A_worker_that_stays_up_for_the_reset_time_ends_the_crash_loop_and_its_next_crash_is_replaced_at_once()
    {
        await using var pool = new InProcessPool(Groups(Group("a", 1))).Start();
        pool.Exit(pool.Live.Single(), 1);
        pool.Exit(pool.Live.Single(), 1);
        pool.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Single(pool.Live);

        pool.Advance(TimeSpan.FromSeconds(29), TimeSpan.FromSeconds(1));
        Assert.Equal(0, pool.Log.Count("healthy again"));
        pool.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, pool.Log.Count("healthy again, backoff reset"));

        var before = pool.Os.Started.Count;
        pool.Exit(pool.Live.Single(), 1);
        Assert.Equal(before + 1, pool.Os.Started.Count);
        pool.Exit(pool.Live.Single(), 1);
        Assert.Equal(2, pool.Log.Count("crash-looping"));
    }

    [Fact(Timeout = 10_000)]
    public async Task A_worker_that_exits_0_is_replaced_at_once_without_backoff_but_at_most_once_a_second()
    {
        await using var pool = new InProcessPool(Groups(Group("a", 1))).Start();
        pool.Advance(TimeSpan.FromSeconds(5));
        pool.Exit(pool.Live.Single(), 0);
        Assert.Equal(2, pool.Os.Started.Count);

        for (var i = 0; i < 5; i++)
        {
            pool.Advance(TimeSpan.FromMilliseconds(300));
            pool.Exit(pool.Live.Single(), 0);
            pool.AssertNextStartAfter(TimeSpan.FromMilliseconds(700));
        }
        Assert.Equal(6, pool.Log.Count("recycled itself"));
        Assert.Equal(0, pool.Log.Count("crash-looping"));
    }

    [Fact(Timeout = 10_000)]
    public async Task A_start_that_fails_backs_the_slot_off_like_a_crash_instead_of_spinning()
    {
        await using var pool = new InProcessPool(Groups(Group("a", 1)));
        pool.Os.StartFailure = new Win32Exception("fork failed");
        pool.Start();
        pool.Advance(TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(10));

        Assert.Empty(pool.Os.Started);
        // The first failure and the one that started the loop; not one per pass.
        Assert.Equal(2, pool.Log.Count("could not start a worker for a slot 0: fork failed"));

        pool.Os.StartFailure = null;
        pool.Advance(TimeSpan.FromSeconds(2));
        Assert.Single(pool.Live);
    }

    [Fact(Timeout = 10_000)]
    public async Task An_exit_reported_before_the_start_returned_is_handled_after_the_spawn_that_registered_it()
    {
        await using var pool = new InProcessPool(Groups(Group("a", 1)));
        pool.Os.ExitDuringStart = 1;
        pool.Start();

        // Both quick deaths were seen as exits of registered children: recovered, then backed off.
        Assert.Equal(2, pool.Os.Started.Count);
        Assert.Equal(1, pool.Log.Count("crash-looping"));
        pool.Until(() => pool.Store.RecoveredWorkers.Count == 2, "both dead workers recovered");
        Assert.Equal(pool.Os.Started.Select(WorkerId).Order(), pool.Store.RecoveredWorkers.Order());
        Assert.All(pool.Os.Started, p => Assert.True(p.Disposed));

        pool.Os.ExitDuringStart = null;
        pool.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Single(pool.Live);
    }
}
