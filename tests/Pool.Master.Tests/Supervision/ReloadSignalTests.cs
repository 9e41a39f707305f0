using Mono.Unix.Native;
using Pool.Testing;

namespace Pool.Master.Tests.Supervision;

/// <summary>HUP, WINCH, TTIN and TTOU: the pool changes while the master keeps running.</summary>
public sealed class ReloadSignalTests
{
    private static int IndexOf(IReadOnlyList<string> lines, string text) =>
        lines.Select((l, i) => (l, i)).First(p => p.l.Contains(text, StringComparison.Ordinal)).i;

    [Fact]
    public void Hup_with_a_good_file_starts_the_new_workers_before_it_retires_the_old_ones()
    {
        using var run = MasterRun.Start("foo: 1\n");
        var old = run.WaitForReadyWorkers(1)[0];
        run.WriteConfig("foo: 1\nbar: 2\n");

        run.Signal(Signum.SIGHUP);
        var fresh = run.WaitForReadyWorkers(3);

        Assert.DoesNotContain(old, fresh);
        Assert.True(run.HasLogged(old, "exiting on TERM"));
        Assert.Equal(2, fresh.Count(p => ProcFs.Environment(p)["QUEUES"] == "bar"));
        run.WaitForMasterLine("retiring worker");
        var lines = run.MasterLines().ToList();
        var retiring = IndexOf(lines, "retiring worker");
        Assert.Equal(3, lines.Skip(IndexOf(lines, "HUP: starting")).Take(retiring - IndexOf(lines, "HUP: starting")).Count(l => l.Contains("spawned worker", StringComparison.Ordinal)));
    }

    [Fact]
    public void Hup_with_a_bad_file_logs_one_error_and_keeps_the_running_workers()
    {
        using var run = MasterRun.Start("foo: 2\n");
        var before = run.WaitForReadyWorkers(2);
        run.WriteConfig("foo: -3\n");

        run.Signal(Signum.SIGHUP);
        run.WaitForMasterLine("config rejected", TimeSpan.FromSeconds(5));

        var error = Assert.Single(run.MasterLines(), l => l.Contains("config rejected", StringComparison.Ordinal));
        Assert.Contains("pool.yml:1", error);
        Assert.Equal(before.Order(), run.Workers().Order());
        Assert.All(before, p => Assert.False(run.HasLogged(p, "signal")));
    }

    /// <summary>A HUP retires the old workers once the new ones are started: a new command that cannot run left the group with none.</summary>
    [Fact]
    public void Hup_to_a_command_that_does_not_exist_is_rejected_and_keeps_the_running_workers()
    {
        HupIsRejectedAndKeepsTheRunningWorkers("foo:\n  count: 1\n  command: \"/nonexistent/bin x\"\n",
            "pool.yml:3: key 'foo.command': program '/nonexistent/bin'", TimeSpan.FromSeconds(5));
    }

    /// <summary>
    /// A group's own pool-worker command with an option no worker starts with: --check only
    /// loaded the job classes, so the HUP retired the running workers for ones that exited at
    /// start. pool-worker --check judges the options too.
    /// </summary>
    [Fact]
    public void Hup_to_a_pool_worker_command_with_an_option_no_worker_starts_with_is_rejected_and_keeps_the_running_workers()
    {
        HupIsRejectedAndKeepsTheRunningWorkers($"foo:\n  count: 1\n  command: \"{Artifacts.PoolWorker} --jobs {Artifacts.SamplesDll} --concurrency 0\"\n",
            "pool.yml:3: key 'foo.command': pool-worker --concurrency / POOL_CONCURRENCY must be a whole number of jobs from 1 to", TimeSpan.FromSeconds(20));
    }

    /// <summary>
    /// A deploy whose job assembly loads as a file but cannot run (two classes named Send): the
    /// new workers exited at start, and the HUP retired the running ones for them. HUP now has
    /// pool-worker load the job classes first (pool-worker --check) and refuses the build.
    /// </summary>
    [Fact]
    public void Hup_to_job_classes_pool_worker_cannot_load_is_rejected_and_keeps_the_running_workers()
    {
        HupIsRejectedAndKeepsTheRunningWorkers($"foo:\n  count: 1\n  command: \"{Artifacts.PoolWorker} --jobs {Artifacts.BrokenJobsDll}\"\n",
            $"pool.yml:3: key 'foo.command': pool-worker cannot load jobs: {Artifacts.BrokenJobsDll}: two job classes answer to 'Send'", TimeSpan.FromSeconds(20));
    }

    /// <summary>
    /// `check` refused a schedule entry whose class none of the pool-worker groups serving its
    /// queue loads (every run would fail as Pool::UnknownJob), but a HUP to the same file applied
    /// it: HUP asked pool-worker for the job classes and did not match the schedule against them.
    /// </summary>
    [Fact]
    public void Hup_to_a_schedule_entry_whose_class_no_serving_worker_has_is_rejected_and_keeps_the_running_workers()
    {
        HupIsRejectedAndKeepsTheRunningWorkers(
            $"foo:\n  count: 1\n  command: \"{Artifacts.PoolWorker} --jobs {Artifacts.SamplesDll}\"\nschedule:\n  nightly:\n    every: 1d\n    class: Slep\n    queue: foo\n",
            "pool.yml:7: key 'schedule.nightly.class': class 'Slep' is not a job class of the pool-worker group(s) 'foo' that serve its queue 'foo'", TimeSpan.FromSeconds(20));
    }

    /// <summary>A HUP to a file whose only section is misspelt for RAILS_ENV would have replaced the workers with none.</summary>
    [Fact]
    public void Hup_to_an_environment_that_selects_no_section_is_rejected_and_keeps_the_running_workers()
    {
        using var run = MasterRun.Start("foo: 1\n", env: new Dictionary<string, string?> { ["POOL_ENV"] = null, ["DOTNET_ENVIRONMENT"] = null, ["RAILS_ENV"] = "production" });
        var before = run.WaitForReadyWorkers(1);
        run.WriteConfig("producton:\n  foo: 3\n");

        run.Signal(Signum.SIGHUP);
        Assert.Contains("the environment 'production' (RAILS_ENV=production) selects no section (sections: producton)", run.WaitForMasterLine("config rejected", TimeSpan.FromSeconds(5)));
        Assert.Equal(before, run.Workers());
        Assert.All(before, p => Assert.False(run.HasLogged(p, "signal")));
    }

    /// <summary>A HUP to <paramref name="yaml"/> (a change from `foo: 1`) is refused with <paramref name="error"/>, and no running worker is touched.</summary>
    private static void HupIsRejectedAndKeepsTheRunningWorkers(string yaml, string error, TimeSpan patience)
    {
        using var run = MasterRun.Start("foo: 1\n");
        var before = run.WaitForReadyWorkers(1);
        run.WriteConfig(yaml);

        run.Signal(Signum.SIGHUP);
        Assert.Contains(error, run.WaitForMasterLine("config rejected", patience));
        Assert.Equal(before, run.Workers());
        Assert.All(before, p => Assert.False(run.HasLogged(p, "signal")));
    }

    [Fact]
    public void Winch_stops_the_workers_but_not_the_master_and_hup_brings_them_back()
    {
        using var run = MasterRun.Start("foo: 2\n");
        var before = run.WaitForReadyWorkers(2);

        run.Signal(Signum.SIGWINCH);
        Wait.Until(() => run.Workers().Count == 0, TimeSpan.FromSeconds(5), "workers gone after WINCH");
        Assert.False(run.Master.HasExited);
        // QUIT, as resque-pool sends: each worker finishes its current job first; never TERM.
        Assert.All(before, p => Assert.True(run.HasLogged(p, "exiting on QUIT")));

        run.Signal(Signum.SIGHUP);
        var after = run.WaitForReadyWorkers(2);
        Assert.Empty(after.Intersect(before));
    }

    [Fact]
    public void Ttin_adds_one_worker_per_group_and_ttou_removes_one_until_the_next_hup()
    {
        using var run = MasterRun.Start("foo: 1\nbar: 2\n");
        run.WaitForReadyWorkers(3);

        run.Signal(Signum.SIGTTIN);
        var grown = run.WaitForReadyWorkers(5);
        Assert.Equal(2, grown.Count(p => ProcFs.Environment(p)["QUEUES"] == "foo"));

        // One at a time: the kernel merges a second TTOU that arrives before the first was taken.
        run.Signal(Signum.SIGTTOU);
        run.WaitForReadyWorkers(3);
        run.Signal(Signum.SIGTTOU);
        var shrunk = run.WaitForReadyWorkers(1);
        Assert.Equal("bar", ProcFs.Environment(shrunk[0])["QUEUES"]);
        // A scale-down lets each retired worker finish its job (QUIT), as resque-pool does.
        Assert.All(grown.Except(shrunk), p => Assert.True(run.HasLogged(p, "exiting on QUIT"), $"worker {p} did not stop on QUIT"));

        run.Signal(Signum.SIGHUP);
        run.WaitForReadyWorkers(3);
    }
}
