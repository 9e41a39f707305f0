using System.Runtime.InteropServices;
using Mono.Unix.Native;
using Pool.Master.Config;
using static Pool.Master.Tests.Supervision.InProcess.InProcessPool;

namespace Pool.Master.Tests.Supervision.InProcess;

/// <summary>Changing the pool while it runs: HUP (generations), TTIN and TTOU (one more or fewer), WINCH (pause).</summary>
public sealed class ReshapeTests
{
    private static bool Retired(InProcessPool pool, FakeProcess child) => pool.Os.SignalsTo(child.Pid).Any(s => s is Signum.SIGTERM or Signum.SIGQUIT);

    /// <summary>TTOU and WINCH only remove capacity: QUIT, so the current job finishes (resque-pool's way); never TERM, which would requeue it half done.</summary>
    private static void AssertQuitOnly(InProcessPool pool, FakeProcess child)
    {
        Assert.Contains(Signum.SIGQUIT, pool.Os.SignalsTo(child.Pid));
        Assert.DoesNotContain(Signum.SIGTERM, pool.Os.SignalsTo(child.Pid));
    }

    [Fact(Timeout = 10_000)]
    public async Task Hup_starts_the_new_generation_before_it_retires_the_old_one_and_the_old_slots_are_not_refilled()
    {
        await using var pool = new InProcessPool(Groups(Group("a", 2)));
        pool.Reload = () => Groups(Group("a", 1), Group("c", 2));
        pool.Start();
        var old = pool.Live;

        pool.Signal(PosixSignal.SIGHUP);
        pool.Until(() => old.All(c => Retired(pool, c)), "the old generation retired");
        // A replaced worker stops with TERM and its deadline, as resque-pool does with TERM_CHILD.
        Assert.All(old, c => Assert.Contains(Signum.SIGTERM, pool.Os.SignalsTo(c.Pid)));

        var ops = pool.Os.Ops.Where(o => o.Kind is "start" or "signal").Skip(2).ToList();
        Assert.Equal(["start", "start", "start", "signal", "signal"], ops.Select(o => o.Kind));
        var fresh = pool.Live.Except(old).ToList();
        Assert.Equal(["a/0", "c/0", "c/1"], fresh.Select(p => $"{p.Environment["QUEUES"]}/{p.Environment["POOL_WORKER_SLOT"]}").Order());

        foreach (var child in old) pool.Exit(child, 0);
        pool.Advance(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1));
        Assert.Equal(5, pool.Os.Started.Count);
        Assert.Equal(2, pool.Log.Count("stopped after 0 ms: exited by itself with code 0"));
    }

    [Fact(Timeout = 10_000)]
    public async Task Hup_stops_the_old_workers_only_once_every_new_one_has_registered()
    {
        await using var pool = new InProcessPool(Groups(Group("a", 2)));
        pool.Start();
        var old = pool.Live;
        var ready = new HashSet<string>(old.Select(WorkerId));
        pool.Store.Registered = id => { lock (ready) return ready.Contains(id); };

        pool.Signal(PosixSignal.SIGHUP);
        pool.Until(() => pool.Live.Count == 4, "the new generation started");
        var fresh = pool.Live.Except(old).ToList();
        // Not ready yet: the old ones go on taking jobs.
        pool.Advance(TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(100));
        Assert.DoesNotContain(old, c => Retired(pool, c));

        lock (ready) ready.Add(WorkerId(fresh[0]));
        pool.Advance(TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(100));
        Assert.DoesNotContain(old, c => Retired(pool, c)); // one of two is not enough

        lock (ready) ready.Add(WorkerId(fresh[1]));
        pool.Advance(TimeSpan.FromMilliseconds(100));
        pool.Until(() => old.All(c => Retired(pool, c)), "the old generation retired once both new workers registered");
        Assert.All(old, c => Assert.Contains(Signum.SIGTERM, pool.Os.SignalsTo(c.Pid)));
        Assert.DoesNotContain(fresh, c => Retired(pool, c));
        Assert.Equal(1, pool.Log.Count("HUP: the new workers are ready after 1"));
    }

    [Fact(Timeout = 10_000)]
    public async Task Hup_stops_the_old_workers_after_its_patience_when_a_new_one_never_registers()
    {
        await using var pool = new InProcessPool(Groups(Group("a", 1)));
        pool.Start();
        var old = pool.Live;
        pool.Store.Registered = _ => false; // a command that never registers, or Redis down

        pool.Signal(PosixSignal.SIGHUP);
        pool.Until(() => pool.Live.Count == 2, "the new generation started");
        pool.Advance(TimeSpan.FromSeconds(9.9), TimeSpan.FromMilliseconds(100));
        Assert.DoesNotContain(old, c => Retired(pool, c));

        pool.Advance(TimeSpan.FromMilliseconds(100));
        pool.Until(() => old.All(c => Retired(pool, c)), "the old generation retired at the patience's end");
        Assert.Equal(1, pool.Log.Count("HUP: not every new worker is ready after 10 s; retiring the old ones anyway"));
    }

    [Fact(Timeout = 10_000)]
    public async Task A_second_hup_during_a_handover_does_not_extend_the_wait_and_a_crashed_new_worker_is_not_ready()
    {
        await using var pool = new InProcessPool(Groups(Group("a", 1)));
        pool.Start();
        var first = pool.Live;
        var registered = new HashSet<string>(first.Select(WorkerId));
        pool.Store.Registered = id => { lock (registered) return registered.Contains(id); };

        pool.Signal(PosixSignal.SIGHUP);
        pool.Until(() => pool.Live.Count == 2, "the second generation started");
        var second = pool.Live.Except(first).ToList();
        // The new worker dies before it registers (a job assembly that fails to load): its slot
        // is empty, in backoff, which is not ready; before, an empty slot let the old one go.
        pool.Exit(second[0], 2);
        pool.Advance(TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(100));
        Assert.DoesNotContain(first, c => Retired(pool, c));

        pool.Signal(PosixSignal.SIGHUP);
        pool.Until(() => pool.Log.Count("HUP: starting") == 2, "the third generation started");
        pool.Advance(TimeSpan.FromSeconds(4.9), TimeSpan.FromMilliseconds(100));
        Assert.DoesNotContain(first, c => Retired(pool, c));
        pool.Advance(TimeSpan.FromMilliseconds(100));
        pool.Until(() => first.All(c => Retired(pool, c)), "the first generation retired 10 s after the first HUP, not after the second");
    }

    [Fact(Timeout = 10_000)]
    public async Task A_rejected_config_keeps_the_running_generation()
    {
        await using var pool = new InProcessPool(Groups(Group("a", 2)));
        pool.Reload = () => throw new ConfigException("pool.yml", 3, "count", "not a number");
        pool.Start();

        pool.Signal(PosixSignal.SIGHUP);
        pool.Until(() => pool.Log.Count("HUP: config rejected, keeping the running one: pool.yml:3: key 'count': not a number") == 1, "the rejection");

        Assert.Equal(2, pool.Os.Started.Count);
        Assert.DoesNotContain(pool.Os.Ops, o => o.Kind == "signal");
        pool.Exit(pool.Live[0], 1);
        Assert.Equal("a", pool.Os.Started[^1].Environment["QUEUES"]);
        Assert.Equal(2, pool.Live.Count);
    }

    [Fact(Timeout = 10_000)]
    public async Task A_hup_during_a_load_reads_the_file_once_more_and_only_the_newest_is_started()
    {
        using var firstLoad = new SemaphoreSlim(0);
        await using var pool = new InProcessPool(Groups(Group("a", 1)));
        pool.Reload = () =>
        {
            if (pool.Reloads > 1) return Groups(Group("newest", 1));
            firstLoad.Wait(Deadline);
            return Groups(Group("stale", 1));
        };
        pool.Start();

        pool.Signal(PosixSignal.SIGHUP);
        pool.Until(() => pool.Reloads == 1, "the first load running");
        pool.Signal(PosixSignal.SIGHUP);
        pool.Signal(PosixSignal.SIGHUP);
        firstLoad.Release();
        pool.Until(() => pool.Log.Count("HUP: starting") == 1, "a generation started");

        Assert.Equal(2, pool.Reloads);
        Assert.Equal(["a", "newest"], pool.Os.Started.Select(p => p.Environment["QUEUES"]));
    }

    [Fact(Timeout = 10_000)]
    public async Task Ttou_retires_idle_workers_before_busy_ones_and_the_newest_first()
    {
        await using var pool = new InProcessPool(Groups(Group("a", 3))).Start();
        // Start times: slot 1 at 0 s, slot 0 at 2 s, slot 2 at 4 s.
        pool.Advance(TimeSpan.FromSeconds(2));
        pool.Exit(Slot(pool, 0), 0);
        pool.Advance(TimeSpan.FromSeconds(2));
        pool.Exit(Slot(pool, 2), 0);
        var (s0, s1, s2) = (Slot(pool, 0), Slot(pool, 1), Slot(pool, 2));
        pool.Store.Busy = new HashSet<string> { WorkerId(s2) };

        var retired = new List<FakeProcess>();
        foreach (var expected in new[] { s0, s1, s2 })
        {
            pool.Signal(PosixSignal.SIGTTOU);
            pool.Until(() => pool.Live.Count(c => Retired(pool, c)) == retired.Count + 1, "one more worker retired");
            retired.Add(pool.Live.Single(c => Retired(pool, c) && !retired.Contains(c)));
            Assert.Same(expected, retired[^1]);
            AssertQuitOnly(pool, expected);
        }
        Assert.Equal(1, pool.Log.Count("TTOU: now a=0 until the next HUP"));

        foreach (var child in retired) pool.Exit(child, 0);
        pool.Advance(TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(1));
        Assert.Empty(pool.Live);
        Assert.Equal(5, pool.Os.Started.Count);
    }

    [Fact(Timeout = 10_000)]
    public async Task Ttou_with_no_answer_from_redis_retires_the_newest()
    {
        await using var pool = new InProcessPool(Groups(Group("a", 2))).Start();
        pool.Advance(TimeSpan.FromSeconds(1));
        pool.Exit(Slot(pool, 0), 0);
        var newest = Slot(pool, 0);
        pool.Store.BusyFailure = new TimeoutException("redis timed out");

        pool.Signal(PosixSignal.SIGTTOU);
        pool.Until(() => Retired(pool, newest), "the newest worker retired");

        Assert.False(Retired(pool, Slot(pool, 1)));
        Assert.Equal(1, pool.Log.Count("could not ask which workers are busy: redis timed out; stopping the newest instead"));
    }

    [Fact(Timeout = 10_000)]
    public async Task Ttin_adds_one_worker_to_every_group_in_its_next_slot_until_the_next_hup()
    {
        await using var pool = new InProcessPool(Groups(Group("a", 1), Group("b", 2))).Start();

        pool.Signal(PosixSignal.SIGTTIN);

        Assert.Equal(5, pool.Live.Count);
        Assert.Equal(["a/1", "b/2"], pool.Os.Started.Skip(3).Select(p => $"{p.Environment["QUEUES"]}/{p.Environment["POOL_WORKER_SLOT"]}").Order());
        Assert.Equal(1, pool.Log.Count("TTIN: now a=2, b=3 until the next HUP"));

        pool.Signal(PosixSignal.SIGHUP);
        pool.Until(() => pool.Log.Count("HUP: starting 3 worker(s)") == 1, "the HUP back to the file's sizes");
        Assert.Equal(3, pool.Live.Count(c => !Retired(pool, c)));
    }

    /// <summary>An autoscaled group `s: 1..3`; its size moves here by TTIN and TTOU, which need no Redis (nor do its samples answer: Redis is unreachable).</summary>
    private static InProcessPool Autoscaled(int min = 1, int max = 3) =>
        new(Groups(Group("s", min) with { Scaling = new ScalingRule(min, max) }), DefaultSettings with { RedisUrl = "redis://127.0.0.1:1" });

    [Fact(Timeout = 10_000)]
    public async Task Hup_of_an_autoscaled_group_above_min_starts_as_many_new_workers_and_retires_the_old_ones_only_once_all_are_ready()
    {
        await using var pool = Autoscaled().Start();
        pool.Signal(PosixSignal.SIGTTIN);
        // 2..4 now; HUP brings back 1..3, and the two workers the group had.
        var old = pool.Live;
        Assert.Equal(2, old.Count);
        var ready = new HashSet<string>(old.Select(WorkerId));
        pool.Store.Registered = id => { lock (ready) return ready.Contains(id); };

        pool.Signal(PosixSignal.SIGHUP);
        pool.Until(() => pool.Log.Count("HUP: starting") == 1, "the new generation");
        // Both new workers start at once, not MIN's one and the other at the next sample.
        var fresh = pool.Live.Except(old).ToList();
        Assert.Equal(2, fresh.Count);
        Assert.Equal(1, pool.Log.Count("HUP: starting 2 worker(s) in 1 group(s) from pool.yml, then retiring 2 old worker(s) once the new ones are ready; s: 2 (autoscaled 1..3, 2 before the reload)"));

        lock (ready) ready.Add(WorkerId(fresh[0]));
        pool.Advance(TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(100));
        // Before, the one MIN slot was all the handover waited for: both old workers went here.
        Assert.DoesNotContain(old, c => Retired(pool, c));

        lock (ready) ready.Add(WorkerId(fresh[1]));
        pool.Advance(TimeSpan.FromMilliseconds(100));
        pool.Until(() => old.All(c => Retired(pool, c)), "the old generation retired once both new workers registered");
        Assert.DoesNotContain(fresh, c => Retired(pool, c));
    }

    [Fact(Timeout = 10_000)]
    public async Task The_hup_line_counts_the_workers_really_started_and_says_where_each_autoscaled_size_came_from()
    {
        await using var pool = Autoscaled().Start();
        pool.Signal(PosixSignal.SIGTTIN);
        pool.Signal(PosixSignal.SIGTTIN);
        Assert.Equal(3, pool.Live.Count);
        pool.Reload = () => Groups(Group("s", 1) with { Scaling = new ScalingRule(1, 2) }, Group("t", 1) with { Scaling = new ScalingRule(1, 4) }, Group("f", 2));

        pool.Signal(PosixSignal.SIGHUP);
        pool.Until(() => pool.Log.Count("HUP: starting") == 1, "the new generation");
        Assert.Equal(1, pool.Log.Count("HUP: starting 5 worker(s) in 3 group(s) from pool.yml, then retiring 3 old worker(s) once the new ones are ready; "
            + "s: 2 (autoscaled 1..2, 3 before the reload, cut to MAX 2); t: 1 (autoscaled 1..4, a new group, at MIN)"));
        Assert.Equal(8, pool.Live.Count);
    }

    [Fact(Timeout = 10_000)]
    public async Task Ttin_and_ttou_during_a_hup_handover_move_the_new_generations_autoscaled_range()
    {
        await using var pool = Autoscaled().Start();
        pool.Store.Registered = _ => false;
        var old = pool.Live;

        pool.Signal(PosixSignal.SIGHUP);
        pool.Until(() => pool.Live.Count == 2, "the new generation");
        pool.Signal(PosixSignal.SIGTTIN);
        // The new group's range is 2..4: a second new worker, and the old one waits for it too.
        Assert.Equal(3, pool.Live.Count);
        Assert.DoesNotContain(old, c => Retired(pool, c));

        pool.Signal(PosixSignal.SIGTTOU);
        pool.Until(() => pool.Live.Count(c => !Retired(pool, c)) == 2, "TTOU back to 1..3 and one new worker");
        Assert.DoesNotContain(old, c => Retired(pool, c));
        pool.Store.Registered = _ => true;
        pool.Advance(TimeSpan.FromMilliseconds(100));
        pool.Until(() => old.All(c => Retired(pool, c)), "the old worker retired");
        Assert.Single(pool.Live, c => !Retired(pool, c));
    }

    [Fact(Timeout = 10_000)]
    public async Task Winch_retires_every_worker_and_keeps_the_slots_empty_until_hup()
    {
        await using var pool = new InProcessPool(Groups(Group("a", 2))).Start();
        var old = pool.Live;

        pool.Signal(PosixSignal.SIGWINCH);
        Assert.All(old, c => AssertQuitOnly(pool, c));
        foreach (var child in old) pool.Exit(child, 0);
        pool.Signal(PosixSignal.SIGTTIN);
        pool.Advance(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1));
        Assert.Empty(pool.Live);
        Assert.False(pool.HasExited);

        pool.Signal(PosixSignal.SIGHUP);
        pool.Until(() => pool.Live.Count == 2, "HUP brought the workers back");
        Assert.Equal(4, pool.Os.Started.Count);
        // Nothing was left to retire, and the line does not say "retiring 0 old worker(s)".
        Assert.Equal(1, pool.Log.Count("HUP: starting 2 worker(s) in 1 group(s) from pool.yml"));
        Assert.Equal(0, pool.Log.Count("retiring 0 old worker(s)"));
    }

    [Fact(Timeout = 10_000)]
    public async Task A_worker_finishing_its_job_after_winch_gets_term_and_its_deadline_when_the_master_is_stopped()
    {
        await using var pool = new InProcessPool(Groups(Group("a", 1))).Start();
        var child = Slot(pool, 0);
        pool.Signal(PosixSignal.SIGWINCH);
        AssertQuitOnly(pool, child);

        pool.Signal(PosixSignal.SIGTERM);
        Assert.Contains(Signum.SIGTERM, pool.Os.SignalsTo(child.Pid));
        Assert.Empty(pool.Os.GroupKills);
        // term_timeout 10 s + the kill grace.
        pool.Advance(TimeSpan.FromSeconds(12), TimeSpan.FromSeconds(1));
        Assert.Contains(child.Pid, pool.Os.GroupKills);
    }

    [Fact(Timeout = 10_000)]
    public async Task After_winch_a_rejected_config_still_brings_the_running_one_back()
    {
        await using var pool = new InProcessPool(Groups(Group("a", 2))).Start();
        pool.Signal(PosixSignal.SIGWINCH);
        foreach (var child in pool.Live) pool.Exit(child, 0);
        pool.Reload = () => throw new ConfigException("pool.yml", 1, null, "broken");

        pool.Signal(PosixSignal.SIGHUP);
        pool.Until(() => pool.Live.Count == 2, "the running config back");

        Assert.All(pool.Live, c => Assert.Equal("a", c.Environment["QUEUES"]));
        Assert.Equal(1, pool.Log.Count("config rejected"));
    }

    private static FakeProcess Slot(InProcessPool pool, int slot) =>
        pool.Live.Single(p => p.Environment["POOL_WORKER_SLOT"] == slot.ToString(System.Globalization.CultureInfo.InvariantCulture) && !Retired(pool, p));
}
