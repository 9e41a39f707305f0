using Mono.Unix.Native;
using Pool.Testing;

namespace Pool.Master.Tests.Supervision;

/// <summary>TERM, INT and QUIT: the master drains its workers in stages and exits 0.</summary>
public sealed class StopSignalTests(ITestOutputHelper output)
{
    [Fact]
    public void Term_with_idle_workers_stops_them_all_and_exits_0_fast()
    {
        using var run = MasterRun.Start("foo: 2\nbar: 1\n");
        var pids = run.WaitForReadyWorkers(3);

        var (code, took) = run.StopAndTime(Signum.SIGTERM, TimeSpan.FromSeconds(10));
        output.WriteLine($"TERM to exit, 3 idle workers: {took.TotalMilliseconds:0} ms");

        Assert.Equal(0, code);
        // Far from the 25 s term_timeout: idle workers stop at once. (A quiet machine: about 90 ms;
        // beside two CPU hogs and the rest of the suite it took 2.3 s once.)
        Assert.True(took < TimeSpan.FromSeconds(5), $"took {took}");
        Assert.All(pids, p => Assert.True(run.HasLogged(p, "exiting on TERM")));
        Assert.All(pids, p => Assert.False(ProcFs.IsAlive(p)));
        Assert.Equal(3, run.DrainLines("exited by itself"));
        // Whole, on its own line: a format the signal's type rejects once cut it off mid-line.
        Assert.Single(run.MasterLines(), l => l.Contains("stage signal: TERM: stopping 3 worker(s) with SIGTERM, SIGKILL to each group after its term_timeout + ", StringComparison.Ordinal) && l.EndsWith(" ms", StringComparison.Ordinal));
        // Each stop once, in the drain report, not also as it happens.
        Assert.DoesNotContain(run.MasterLines(), l => l.Contains(") stopped after ", StringComparison.Ordinal));
    }

    /// <summary>A child that does not trap TERM (a shell, a foreign worker) dies of the master's own TERM: the report says so, and blames nobody else.</summary>
    [Fact]
    public void A_child_that_dies_of_the_masters_term_is_reported_as_such()
    {
        using var run = MasterRun.Start("plain:\n  count: 1\n  command: \"sleep 60\"\n");
        Assert.True(SpinWait.SpinUntil(() => run.Workers().Count == 1, TimeSpan.FromSeconds(10)), "the sleep to start");

        var (code, _) = run.StopAndTime(Signum.SIGTERM, TimeSpan.FromSeconds(5));
        Assert.Equal(0, code);
        Assert.Equal(1, run.DrainLines("ended by the SIGTERM the master sent"));
        Assert.Equal(0, run.DrainLines("not by the master"));
    }

    /// <summary>
    /// Starting many workers takes seconds (a start costs milliseconds, more while the ones before
    /// it start up), and the loop used to start them all before it looked at a signal: TERM, a
    /// second TERM and HUP waited for the whole fill (over a minute for `count: auto` on a big
    /// host). Now a pass starts processes for at most its slice, so TERM stops the fill.
    /// </summary>
    [Fact]
    public void Term_while_a_large_group_is_being_started_is_handled_at_once_and_starts_no_more()
    {
        const int count = 300;
        using var run = MasterRun.Start($"plain:\n  count: {count}\n  command: \"sleep 60\"\n  memory_limit_mb: 5\n");
        run.WaitForMasterLine("spawned worker");

        run.Signal(Signum.SIGTERM);

        Assert.Equal(0, run.Master.WaitForExit(TimeSpan.FromSeconds(30)));
        var lines = run.MasterLines().ToList();
        var term = lines.FindIndex(l => l.Contains("received TERM", StringComparison.Ordinal));
        Assert.True(term >= 0, "the TERM is logged");
        var before = lines.Take(term).Count(l => l.Contains("spawned worker", StringComparison.Ordinal));
        output.WriteLine($"workers started before the TERM was handled: {before} of {count}");
        Assert.InRange(before, 1, count - 1);
        Assert.DoesNotContain(lines.Skip(term), l => l.Contains("spawned worker", StringComparison.Ordinal));
    }

    [Fact]
    public void Term_kills_the_group_of_a_worker_that_ignores_it_at_its_term_timeout_plus_grace()
    {
        using var run = MasterRun.Start("stubborn:\n  count: 1\n  term_timeout: 1\n", mode: "ignore-term",
            env: new Dictionary<string, string?> { ["POOL_KILL_GRACE"] = "0.5" });
        var worker = run.WaitForReadyWorkers(1)[0];

        var (code, took) = run.StopAndTime(Signum.SIGTERM, TimeSpan.FromSeconds(6));
        output.WriteLine($"TERM to exit, worker ignoring TERM, term_timeout 1 s + grace 0.5 s: {took.TotalMilliseconds:0} ms");

        Assert.Equal(0, code);
        Assert.InRange(took, TimeSpan.FromSeconds(1.4), TimeSpan.FromSeconds(3));
        Assert.True(run.HasLogged(worker, "signal TERM"), "TERM comes first, SIGKILL only at the deadline");
        Assert.False(ProcFs.IsAlive(worker));
        Assert.Contains(run.MasterLines(), l => l.Contains("stage kill", StringComparison.Ordinal));
        Assert.Contains(run.MasterLines(), l => l.Contains("drain: worker", StringComparison.Ordinal) && l.Contains("killed", StringComparison.Ordinal));
    }

    [Fact]
    public void Int_stops_gracefully_like_term()
    {
        using var run = MasterRun.Start("foo: 1\n");
        var worker = run.WaitForReadyWorkers(1)[0];

        run.Signal(Signum.SIGINT);

        Assert.Equal(0, run.Master.WaitForExit(TimeSpan.FromSeconds(5)));
        Assert.True(run.HasLogged(worker, "exiting on TERM"), "INT to the master means TERM to the workers");
    }

    [Fact]
    public void With_TERM_CHILD_0_workers_get_INT_instead_of_TERM()
    {
        using var run = MasterRun.Start("foo: 1\n", env: new Dictionary<string, string?> { ["TERM_CHILD"] = "0" });
        var worker = run.WaitForReadyWorkers(1)[0];

        run.Signal(Signum.SIGTERM);

        Assert.Equal(0, run.Master.WaitForExit(TimeSpan.FromSeconds(5)));
        Assert.True(run.HasLogged(worker, "exiting on INT"));
        Assert.False(run.HasLogged(worker, "signal TERM"));
    }

    [Fact]
    public void A_second_term_kills_every_group_at_once()
    {
        using var run = MasterRun.Start("stubborn:\n  count: 2\n  term_timeout: 60\n", mode: "ignore-term");
        var pids = run.WaitForReadyWorkers(2);
        run.Signal(Signum.SIGTERM);
        foreach (var pid in pids) run.WaitForWorkerLine(pid, "signal TERM");

        var (code, took) = run.StopAndTime(Signum.SIGTERM, TimeSpan.FromSeconds(5));
        output.WriteLine($"second TERM to exit: {took.TotalMilliseconds:0} ms");

        Assert.Equal(0, code);
        Assert.True(took < TimeSpan.FromSeconds(3), $"took {took}");
        Assert.All(pids, p => Assert.False(ProcFs.IsAlive(p)));
        Assert.Equal(2, run.DrainLines("killed"));
    }

    [Fact]
    public void Quit_lets_every_worker_finish_and_then_exits_0()
    {
        using var run = MasterRun.Start("foo: 2\n");
        var pids = run.WaitForReadyWorkers(2);

        run.Signal(Signum.SIGQUIT);

        Assert.Equal(0, run.Master.WaitForExit(TimeSpan.FromSeconds(5)));
        Assert.All(pids, p => Assert.True(run.HasLogged(p, "exiting on QUIT"), $"worker {p} did not finish on QUIT. Workers:\n{string.Join('\n', run.WorkerLines())}\nMaster:\n{run.Master.Output}"));
        Assert.DoesNotContain(run.MasterLines(), l => l.Contains("stage kill", StringComparison.Ordinal));
    }

    [Fact]
    public void Quit_sets_no_deadline_for_a_worker_that_keeps_running()
    {
        using var run = MasterRun.Start("stubborn:\n  count: 1\n  term_timeout: 0\n", mode: "ignore-term",
            env: new Dictionary<string, string?> { ["POOL_KILL_GRACE"] = "0" });
        var worker = run.WaitForReadyWorkers(1)[0];

        run.Signal(Signum.SIGQUIT);
        run.WaitForWorkerLine(worker, "signal QUIT");
        // term_timeout 0 and no grace: a TERM would have killed it already; QUIT never does.
        Assert.Throws<TimeoutException>(() => run.Master.WaitForExit(TimeSpan.FromSeconds(1)));
        Assert.True(ProcFs.IsAlive(worker));

        run.Signal(Signum.SIGTERM);
        Assert.Equal(0, run.Master.WaitForExit(TimeSpan.FromSeconds(5)));
        Assert.False(ProcFs.IsAlive(worker));
    }
}
