using System.Diagnostics;
using System.Text;
using Mono.Unix.Native;
using Pool.Testing;

namespace Pool.Master.Tests.Supervision;

/// <summary>Input that `check` accepted and that then crashed the master or its workers, through the real executables.</summary>
public sealed class HostileInputTests
{
    /// <summary>Runs `pool-master check` on <paramref name="yaml"/> (or on <paramref name="path"/>) and returns its exit code and output.</summary>
    internal static (int Code, IReadOnlyCollection<string> Lines) Check(string? yaml, IDictionary<string, string?>? env = null, string? path = null)
    {
        var dir = Directory.CreateTempSubdirectory("pool-check").FullName;
        try
        {
            var file = path ?? Path.Combine(dir, "pool.yml");
            if (yaml is not null) File.WriteAllText(file, yaml);
            var withJobs = new Dictionary<string, string?> { ["POOL_JOBS"] = Artifacts.SamplesDll };
            foreach (var (name, value) in env ?? new Dictionary<string, string?>()) withJobs[name] = value;
            using var check = TestProcess.Start(Artifacts.PoolMaster, ["check", "-c", file], withJobs, dir);
            return (check.WaitForExit(TimeSpan.FromSeconds(20)), check.Lines);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("foo:\n  count: 1\n  term_timeout: 99999999\n")]
    [InlineData("foo:\n  count: 1\n  term_timeout: 900000000000\n")]
    [InlineData("foo:\n  count: 1\n  term_timeout: 1e300\n")]
    [InlineData("foo:\n  count: 1\n  job_timeout: 1e300\n")]
    [InlineData("foo:\n  count: 1\n  command: \"echo 'unclosed\"\n")]
    [InlineData("<<: {q1: 1}\n")]
    [InlineData("foo: 1\n---\nbar: 1\n")]
    [InlineData("\"q\\0x\": 1\n")]
    public void Check_rejects_what_would_crash_later_with_one_line_naming_the_file_and_line(string yaml)
    {
        var (code, lines) = Check(yaml);

        Assert.Equal(1, code);
        var line = Assert.Single(lines);
        Assert.Matches(@"^stderr: pool-master check: pool\.yml:\d+: ", line);
    }

    [Fact]
    public void Check_names_a_directory_and_a_long_key_plainly()
    {
        var dir = Directory.CreateTempSubdirectory("pool-check-dir").FullName;
        try
        {
            Assert.Contains("is a directory", Assert.Single(Check(null, path: dir).Lines));
        }
        finally
        {
            Directory.Delete(dir);
        }
        Assert.Contains("longer than 1024 characters", Assert.Single(Check("foo: 1\n" + new string('q', 1500) + ": 1\n").Lines));
    }

    [Fact]
    public void A_variable_holding_yaml_cannot_add_a_group_that_runs_a_command()
    {
        var env = new Dictionary<string, string?> { ["INJ"] = "1\nevil:\n  count: 1\n  command: \"touch PWNED\"" };

        var (code, lines) = Check("q1: ${INJ}\n", env);

        Assert.Equal(1, code);
        Assert.Contains("key 'q1'", Assert.Single(lines));
    }

    [Theory]
    [InlineData("foo:\n  count: 1\n  term_timeout: 1e300\n")]
    [InlineData("foo:\n  count: 1\n  job_timeout: 1e300\n")]
    [InlineData("foo:\n  count: 1\n  command: \"echo 'unclosed\"\n")]
    public void Hup_with_a_file_that_used_to_kill_the_master_is_rejected_and_the_pool_goes_on(string yaml)
    {
        using var run = MasterRun.Start("foo: 1\n");
        var before = run.WaitForReadyWorkers(1);
        run.WriteConfig(yaml);

        run.Signal(Signum.SIGHUP);
        run.WaitForMasterLine("config rejected");

        Assert.False(run.Master.HasExited);
        Assert.Equal(before, run.Workers());
        Assert.Equal(0, run.StopAndTime(Signum.SIGTERM, TimeSpan.FromSeconds(10)).Code);
    }

    [Fact]
    public void A_hup_with_a_large_file_does_not_delay_the_replacement_of_a_killed_worker()
    {
        using var run = MasterRun.Start("foo: 1\n");
        var old = run.WaitForReadyWorkers(1)[0];
        var big = new StringBuilder("foo: 1\n");
        for (var i = 0; big.Length < 900_000; i++) big.Append("q").Append(i).Append(": 0\n");
        run.WriteConfig(big.ToString());

        run.Signal(Signum.SIGHUP);
        var clock = Stopwatch.StartNew();
        Syscall.kill(old, Signum.SIGKILL);
        run.WaitForMasterLine("replacing it");

        // The HUP's parse runs off the loop; the respawn used to wait for it (16 s with a big file).
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"replacement took {clock.Elapsed}");
        run.WaitForMasterLine("HUP: starting", TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void Of_two_masters_started_together_with_one_pidfile_exactly_one_runs()
    {
        for (var round = 0; round < 5; round++)
        {
            using var a = MasterRun.Start("foo: 0\n", extraArgs: ["--pidfile", "/tmp/pool-race-" + Environment.ProcessId + ".pid"]);
            using var b = MasterRun.Start("foo: 0\n", extraArgs: ["--pidfile", "/tmp/pool-race-" + Environment.ProcessId + ".pid"]);

            Wait.Until(() => a.Master.HasExited || b.Master.HasExited, TimeSpan.FromSeconds(15), "one of the two masters to refuse");
            var (loser, winner) = a.Master.HasExited ? (a, b) : (b, a);
            Assert.Equal(1, loser.Master.WaitForExit(TimeSpan.FromSeconds(5)));
            Assert.Contains("pidfile", loser.Master.Output);
            winner.WaitForMasterLine("supervising");
            Assert.False(winner.Master.HasExited, $"round {round}: the winner must keep running");
            Assert.Equal(0, winner.StopAndTime(Signum.SIGTERM, TimeSpan.FromSeconds(10)).Code);
        }
    }

    [Fact]
    public void Usr1_relayed_to_a_worker_that_has_just_been_spawned_reaches_it_instead_of_killing_it()
    {
        using var run = MasterRun.Start("foo: 1\n");
        var spawned = run.WaitForMasterLine("spawned worker");
        run.Signal(Signum.SIGUSR1);

        var pid = run.WaitForReadyWorkers(1)[0];
        run.WaitForWorkerLine(pid, "signal USR1");
        Assert.Contains(pid.ToString(System.Globalization.CultureInfo.InvariantCulture), spawned);
        Assert.DoesNotContain(run.MasterLines(), l => l.Contains("was killed by", StringComparison.Ordinal) || l.Contains("exited with code", StringComparison.Ordinal));
    }

    [Fact]
    public void Usr2_in_the_masters_first_moments_does_not_kill_it()
    {
        using var run = MasterRun.Start("foo: 1\n");
        // As soon as Main has taken USR2 over (its first statements), well before the supervision
        // loop runs. Earlier, while the .NET runtime itself starts and before Main, USR2 still has
        // its default action; nothing inside the process can close that window (see the README),
        // and waiting only for the runtime's own handlers (CONT caught) made this test race it.
        Wait.Until(() => ProcFs.IsAlive(run.Master.Pid) && Caught(run.Master.Pid, Signum.SIGUSR2), TimeSpan.FromSeconds(10), "the master's Main to take USR2 over");
        run.Signal(Signum.SIGUSR2);

        run.WaitForMasterLine("passed USR2 on", TimeSpan.FromSeconds(30));
        Assert.False(run.Master.HasExited, run.Master.Output);
        run.WaitForReadyWorkers(1, TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void Log_format_json_reaches_the_workers()
    {
        var dir = Directory.CreateTempSubdirectory("pool-json").FullName;
        File.WriteAllText(Path.Combine(dir, "pool.yml"), "foo: 1\n");
        using var master = TestProcess.Start(Artifacts.PoolMaster,
            ["run", "-c", "pool.yml", "--log-format", "json", "-w", $"{Artifacts.PoolWorker} --jobs {Artifacts.SamplesDll}"],
            new Dictionary<string, string?> { ["REDIS_URL"] = "redis://127.0.0.1:1", ["POOL_LOG_FORMAT"] = null }, dir);

        master.WaitForLine("\"Source\":\"worker\"", TimeSpan.FromSeconds(45));
        master.Signal(Signum.SIGTERM);
        Assert.Equal(0, master.WaitForExit(TimeSpan.FromSeconds(20)));
        Assert.All(master.Lines.Where(l => l.Length > 0), l => Assert.StartsWith("{", l));
        Directory.Delete(dir, recursive: true);
    }

    private static bool Caught(int pid, Signum signal)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("SigCgt:", StringComparison.Ordinal));
            return line is not null && (Convert.ToUInt64(line[7..].Trim(), 16) & (1UL << ((int)signal - 1))) != 0;
        }
        catch (IOException)
        {
            return false;
        }
    }
}
