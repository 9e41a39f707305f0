using Pool.Protocol.Payloads;
using Pool.Testing;

namespace Pool.Master.Tests.Ops;

/// <summary>
/// `pool-master resume` wakes an idle pool-worker for the jobs that waited. The worker's fallback
/// poll is 30 s, so only a wake token can start a job within a few seconds.
/// </summary>
public sealed class ResumeWakeTests(RedisFixture redis) : OpsTest(redis, "resume"), IDisposable
{
    private static readonly TimeSpan WellBeforeThePoll = TimeSpan.FromSeconds(5);
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"pool-resume-{Guid.NewGuid():N}.txt");

    [Fact(Timeout = 60_000)]
    public async Task Resume_starts_jobs_queued_during_a_global_pause_long_before_the_fallback_poll()
    {
        using var worker = await StartIdleWorkerAsync();
        Assert.Equal(0, Cli.Run("pause").Code);
        // As a Ruby or Node producer does: RPUSH only, no wake token, so the worker sleeps on.
        await Db.SetAddAsync(Keys.Queues, "q");
        await Db.ListRightPushAsync(Keys.Queue("q"), PayloadCodec.Encode("Record", [_file, "resumed"]));

        Assert.Equal(0, Cli.Run("resume").Code);
        await Wait.UntilAsync(() => Lines().Contains("resumed"), WellBeforeThePoll, $"the job to start after resume. Worker:\n{worker.Output}");
    }

    [Fact(Timeout = 60_000)]
    public async Task Resuming_a_paused_queue_starts_its_jobs_long_before_the_fallback_poll()
    {
        using var worker = await StartIdleWorkerAsync();
        Assert.Equal(0, Cli.Run("pause", "q").Code);
        Assert.Equal(0, Cli.Run("enqueue", "q", "Record", _file, "resumed").Code);
        // The enqueue's token wakes the worker, which finds q paused and goes back to sleep.
        await WaitUntilAsleepAsync();
        Assert.Empty(Lines());

        Assert.Equal(0, Cli.Run("resume", "q").Code);
        await Wait.UntilAsync(() => Lines().Contains("resumed"), WellBeforeThePoll, $"the job to start after resume. Worker:\n{worker.Output}");
    }

    private async Task<TestProcess> StartIdleWorkerAsync()
    {
        var worker = TestProcess.Start(Artifacts.PoolWorker, [], PoolEnvironment.For(Redis.Server.Url, Ns, new Dictionary<string, string?>
        {
            ["QUEUES"] = "q",
            ["POOL_POLL_INTERVAL"] = "30",
            ["POOL_MASTER_PID"] = null,
        }));
        try
        {
            worker.WaitForLine("Worker ready", TimeSpan.FromSeconds(15));
            await WaitUntilAsleepAsync();
            return worker;
        }
        catch
        {
            worker.Dispose();
            throw;
        }
    }

    /// <summary>No token left for q, and the worker's waiting connection is blocked in its BLPOP (this collection runs one worker at a time).</summary>
    private Task WaitUntilAsleepAsync() => Wait.UntilAsync(async () =>
        await Db.ListLengthAsync(Keys.Wake("q")) == 0 && await RedisClients.IsBlockedAsync(Db, "pool-worker-wait"),
        TimeSpan.FromSeconds(10), "the worker to wait in its BLPOP");

    private string[] Lines() => File.Exists(_file) ? File.ReadAllLines(_file) : [];

    public void Dispose() => File.Delete(_file);
}
