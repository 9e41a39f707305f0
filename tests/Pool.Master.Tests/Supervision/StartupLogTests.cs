using System.Globalization;
using Mono.Unix.Native;
using Pool.Testing;

namespace Pool.Master.Tests.Supervision;

public sealed class StartupLogTests
{
    [Fact]
    public void The_master_never_logs_the_redis_password_but_the_worker_gets_it()
    {
        using var run = MasterRun.Start("foo: 1\n", extraArgs: ["--redis", "redis://user:s3cr3t-pw@127.0.0.1:6399/0"]);
        var worker = run.WaitForReadyWorkers(1)[0];
        var workerUrl = ProcFs.Environment(worker)["REDIS_URL"];
        run.Signal(Signum.SIGTERM);
        Assert.Equal(0, run.Master.WaitForExit(TimeSpan.FromSeconds(5)));

        Assert.Equal("redis://user:s3cr3t-pw@127.0.0.1:6399/0", workerUrl);
        Assert.Contains(run.MasterLines(), l => l.Contains("redis://user:***@127.0.0.1:6399/0", StringComparison.Ordinal));
        Assert.DoesNotContain("s3cr3t-pw", run.Master.Output);
    }

    [Fact]
    public void On_heroku_a_deadline_that_reaches_30_s_is_warned_about_at_start()
    {
        using var run = MasterRun.Start("foo: 0\nslow:\n  count: 0\n  term_timeout: 29\n", env: new Dictionary<string, string?> { ["DYNO"] = "worker.1" });
        run.WaitForMasterLine("supervising", TimeSpan.FromSeconds(10));
        run.Signal(Signum.SIGTERM);
        Assert.Equal(0, run.Master.WaitForExit(TimeSpan.FromSeconds(5)));

        Assert.Single(run.MasterLines(), l => l.Contains("WRN", StringComparison.Ordinal) && l.Contains("DYNO=worker.1", StringComparison.Ordinal));
    }

    /// <summary>
    /// A wrong REDIS_URL or a Redis still starting: the store connects in the background, and
    /// before, the first word of it was a scheduler timeout in the client's words 6 s later.
    /// </summary>
    [Fact(Timeout = 30_000)]
    public void A_redis_that_does_not_answer_at_start_is_reported_at_once_and_so_is_its_arrival()
    {
        using var redis = RedisServer.Start();
        redis.Stop();
        using var run = MasterRun.Start("foo: 0\n", env: new Dictionary<string, string?> { ["REDIS_URL"] = redis.Url });
        // Within 5 s of starting, a master start-up included: the report waits 1 s.
        Assert.Contains("WRN", run.WaitForMasterLine("is not answering", TimeSpan.FromSeconds(5)), StringComparison.Ordinal);

        redis.Restart();
        run.WaitForMasterLine("answers now", TimeSpan.FromSeconds(15));
        run.Signal(Signum.SIGTERM);
        Assert.Equal(0, run.Master.WaitForExit(TimeSpan.FromSeconds(10)));
        Assert.Single(run.MasterLines(), l => l.Contains("is not answering", StringComparison.Ordinal));
        Assert.Contains("pool-master exiting", run.MasterLines().Last(), StringComparison.Ordinal);
    }

    [Fact(Timeout = 40_000)]
    public void A_redis_that_goes_away_while_the_master_runs_is_reported_and_so_is_its_return()
    {
        using var redis = RedisServer.Start();
        using var run = MasterRun.Start("foo: 0\n", env: new Dictionary<string, string?> { ["REDIS_URL"] = redis.Url });
        // Connected: the scheduler took its lease through Redis. A healthy start says nothing of it.
        run.WaitForMasterLine("this master leads", TimeSpan.FromSeconds(10));
        Assert.DoesNotContain(run.MasterLines(), l => l.Contains("answering", StringComparison.Ordinal));

        redis.Stop();
        // "stopped answering", or, when the report had not yet looked (once a second) since the
        // connect, "is not answering": either way within seconds, not at a side task's timeout.
        Assert.Contains("WRN", run.WaitForMasterLine("answering;", TimeSpan.FromSeconds(8)), StringComparison.Ordinal);
        redis.Restart();
        // The report's own line (the scheduler says "Redis answers again" too, without the URL).
        run.WaitForMasterLine($"{redis.Url} answers", TimeSpan.FromSeconds(20));
        run.Signal(Signum.SIGTERM);
        Assert.Equal(0, run.Master.WaitForExit(TimeSpan.FromSeconds(10)));
    }

    [Fact(Timeout = 30_000)]
    public async Task Text_log_timestamps_are_utc_even_when_the_host_zone_is_not()
    {
        // India is 5:30 ahead of UTC all year, so a local time printed with a Z is hours off.
        // .NET reads TZ only as a zoneinfo name (a POSIX rule such as XYZ-5:30 falls back to UTC,
        // which would make this test pass for nothing), so it needs tzdata.
        Assert.True(File.Exists("/usr/share/zoneinfo/Asia/Kolkata"), "this test needs tzdata (/usr/share/zoneinfo)");
        using var run = MasterRun.Start("foo: 0\n", env: new Dictionary<string, string?> { ["TZ"] = "Asia/Kolkata" });
        var line = await Task.Run(() => run.WaitForMasterLine("supervising"));
        var seen = DateTime.UtcNow;
        run.Signal(Signum.SIGTERM);
        Assert.Equal(0, run.Master.WaitForExit(TimeSpan.FromSeconds(5)));

        var stamp = DateTime.ParseExact(line.Split(' ')[0], "yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
        Assert.InRange(stamp, seen - TimeSpan.FromSeconds(10), seen + TimeSpan.FromSeconds(1));
    }
}
