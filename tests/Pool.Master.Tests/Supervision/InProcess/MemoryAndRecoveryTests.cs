using Mono.Unix.Native;
using static Pool.Master.Tests.Supervision.InProcess.InProcessPool;

namespace Pool.Master.Tests.Supervision.InProcess;

/// <summary>Recycling a worker over its memory limit, and what happens to a dead child's job and its process group.</summary>
public sealed class MemoryAndRecoveryTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    [Fact(Timeout = 10_000)]
    public async Task Over_its_limit_a_worker_gets_one_quit_without_deadline_and_its_slot_is_refilled_at_once()
    {
        await using var pool = new InProcessPool(Groups(Group("a", 1, memoryLimitMb: 100))).Start();
        var child = pool.Live.Single();
        pool.Os.SetResidentMb(child.Pid, 100);
        pool.Advance(Second);
        Assert.Empty(pool.Os.SignalsTo(child.Pid));

        pool.Os.SetResidentMb(child.Pid, 150);
        pool.Advance(Second);
        Assert.Equal([Signum.SIGQUIT], pool.Os.SignalsTo(child.Pid));
        pool.Advance(TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(1));
        Assert.Equal([Signum.SIGQUIT], pool.Os.SignalsTo(child.Pid));
        Assert.Empty(pool.Os.GroupKills);

        // Even a quick, failing exit after a memory QUIT is a planned stop, not a crash.
        pool.Exit(child, 1);
        Assert.Equal(2, pool.Os.Started.Count);
        Assert.Equal(0, pool.Log.Count("crash"));
        Assert.Equal(1, pool.Log.Count("uses 150 MB, over its limit of 100 MB: recycling it gently"));
    }

    [Fact(Timeout = 10_000)]
    public async Task A_limit_below_the_workers_size_at_start_is_raised_to_half_as_much_again_instead_of_recycling_once_a_second()
    {
        await using var pool = new InProcessPool(Groups(Group("a", 1, memoryLimitMb: 40))).Start();
        var first = pool.Live.Single();
        pool.Os.SetResidentMb(first.Pid, 49);
        pool.Advance(Second);
        // The first may have taken a big job at once: recycled as usual.
        Assert.Equal([Signum.SIGQUIT], pool.Os.SignalsTo(first.Pid));
        pool.Exit(first, 0);

        var second = pool.Live.Single();
        pool.Os.SetResidentMb(second.Pid, 49);
        pool.Advance(TimeSpan.FromSeconds(30), Second);
        Assert.Empty(pool.Os.SignalsTo(second.Pid));
        Assert.Equal(2, pool.Os.Started.Count);
        Assert.Equal(1, pool.Log.Count("a is held to 74 MB instead until a HUP: raise memory_limit_mb well above 49 MB"));

        // A job that grows it past the raised limit is still stopped.
        pool.Os.SetResidentMb(second.Pid, 80);
        pool.Advance(Second);
        Assert.Equal([Signum.SIGQUIT], pool.Os.SignalsTo(second.Pid));
    }

    [Fact(Timeout = 10_000)]
    public async Task Over_twice_its_limit_a_worker_gets_term_even_after_quit_and_sigkill_at_its_deadline()
    {
        await using var pool = new InProcessPool(Groups(Group("a", 1, termTimeout: TimeSpan.FromSeconds(3), memoryLimitMb: 100))).Start();
        var child = pool.Live.Single();
        pool.Os.SetResidentMb(child.Pid, 150);
        pool.Advance(Second);
        pool.Os.SetResidentMb(child.Pid, 201);
        pool.Advance(Second);
        pool.Advance(Second);

        Assert.Equal([Signum.SIGQUIT, Signum.SIGTERM], pool.Os.SignalsTo(child.Pid));
        Assert.Equal(1, pool.Log.Count("uses 201 MB, over twice its limit of 100 MB"));
        // Its job is charged a death once (the gentle QUIT charged nothing), so it cannot loop for ever.
        pool.Until(() => !pool.Store.Charged.IsEmpty, "the job charged");
        var charged = Assert.Single(pool.Store.Charged);
        Assert.Contains(charged, id => id.Contains($":{child.Pid}:", StringComparison.Ordinal));
        // TERM at 2 s, with 3 s + 1 s grace.
        pool.AssertNextGroupKillAfter(TimeSpan.FromSeconds(3));
        Assert.Equal([child.Pid], pool.Os.GroupKills);

        pool.Exit(child, 137);
        Assert.Equal(2, pool.Os.Started.Count);
        Assert.Equal(1, pool.Log.Count("stopped after 5000 ms: killed (SIGKILL to its group)"));
    }

    [Fact(Timeout = 10_000)]
    public async Task A_dead_childs_leftovers_are_killed_before_its_job_is_recovered_with_its_pid_and_group_members()
    {
        await using var pool = new InProcessPool(Groups(Group("a", 1))).Start();
        var child = pool.Live.Single();
        pool.Os.SetGroupMembers(child.Pid, 7001, 7002);

        pool.Exit(child, 137);
        pool.Until(() => pool.Store.RecoveredWorkers.Count == 1, "the recovery");

        Assert.Equal([WorkerId(child)], pool.Store.RecoveredWorkers);
        Assert.Equal([child.Pid, 7001, 7002], Assert.Single(pool.Store.ForeignPids));
        var group = pool.Os.Ops.Where(o => o.Pid == child.Pid && o.Kind is "members" or "killgroup").Select(o => o.Kind);
        Assert.Equal(["members", "killgroup"], group);
        Assert.Equal(1, pool.Log.Count($"worker {child.Pid} left processes in its group; sent SIGKILL to group {child.Pid}"));
        Assert.Equal(1, pool.Log.Count("was killed by SIGKILL after 0 ms; replacing it"));
        Assert.True(child.Disposed);
    }

    [Fact(Timeout = 10_000)]
    public async Task A_child_alone_in_its_group_is_recovered_without_a_group_kill_warning()
    {
        await using var pool = new InProcessPool(Groups(Group("a", 2))).Start();
        var child = pool.Live[0];

        pool.Exit(child, 3);
        pool.Until(() => pool.Store.ForeignPids.Count == 1, "the recovery");

        Assert.Equal([child.Pid], pool.Store.ForeignPids[0]);
        Assert.Equal(0, pool.Log.Count("left processes in its group"));
    }
}
