using Pool.Protocol.Producing;
using Pool.Testing;
using Pool.Worker.Tests.Support;

namespace Pool.Worker.Tests.Running;

/// <summary>Runs on its own redis-server, because it restarts it.</summary>
public sealed class RedisOutageTests() : PrivateRedisTest(appendOnly: true)
{

    [Fact(Timeout = 60_000)]
    public async Task ARedis_restart_in_the_middle_of_a_run_loses_no_job()
    {
        var producer = new Producer(Redis.Connection, S.Namespace);
        for (var i = 0; i < 40; i++) await producer.EnqueueAsync("q", "CountTo", 1, S.File, 25);
        using var worker = WorkerProcess.Start(Redis.Url, S.Namespace, "q");
        await Wait.UntilAsync(() => S.Lines().Length >= 5, because: "the run to be under way");

        Redis.Restart();

        await Wait.UntilAsync(() => S.Lines().Length >= 40, TimeSpan.FromSeconds(30), "every job to run at least once");
        await Wait.UntilAsync(async () => await Redis.Db.ListLengthAsync(S.Keys.Queue("q")) == 0, because: "the queue to drain");
        worker.WaitForLine("Redis is unreachable");
        worker.WaitForLine("Redis is reachable again");
        Assert.True(worker.Process.CountLines("Redis is unreachable") == 1, "one outage should be reported once:\n" + worker.Process.Output);
        Assert.False(worker.Process.HasExited);
    }

    [Fact(Timeout = 30_000)]
    public async Task An_idle_worker_told_to_stop_while_Redis_is_down_exits_at_once_instead_of_waiting_its_deadline()
    {
        using var worker = WorkerProcess.Start(Redis.Url, S.Namespace, "q", new Dictionary<string, string?> { ["TERM_TIMEOUT"] = "20" });
        Redis.Stop();
        worker.WaitForLine("Redis is unreachable");

        var clock = System.Diagnostics.Stopwatch.StartNew();
        worker.Signal(Mono.Unix.Native.Signum.SIGTERM);
        await Wait.UntilAsync(() => worker.Process.HasExited, TimeSpan.FromSeconds(10), "the idle worker to exit well before its 20 s deadline");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed.TotalMilliseconds:0} ms");
        Assert.Equal(0, worker.WaitForExit());
        Assert.Contains("could not leave the registry: Redis is unreachable", worker.Process.Output);
    }
}
