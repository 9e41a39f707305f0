using Pool.Master.Tests.Ops;
using Pool.Protocol.Retries;
using Pool.Protocol.Scheduling;
using Pool.Testing;

namespace Pool.Master.Tests.Scheduling;

/// <summary>A delayed retry that succeeds, through a real master's scheduler and a real worker: resque-retry's counter goes with it.</summary>
public sealed class RetrySuccessTests(RedisFixture redis) : OpsTest(redis, "retryok"), IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"pool-flaky-{Guid.NewGuid():N}");
    private PoolMasterProcess? _master;

    [Fact(Timeout = 60_000)]
    public async Task A_job_that_fails_once_then_succeeds_on_its_delayed_retry_leaves_no_counter_failure_record_or_pending_mark()
    {
        var keys = new SchedulerKeys(Ns);
        _master = PoolMasterProcess.Start(Redis.Server.Url, Ns, "q:\n  count: 1\n  retries: 2\n  retry_delays: [1]\n",
            new Dictionary<string, string?> { ["POOL_SCHEDULER_POLL"] = "0.5" });
        await _master.WaitForWorkersAsync(Db, 1);
        var logical = RetryKeys.Counter("Flaky", $"[\"{_path}\"]");
        var counter = keys.Retry(logical);

        Assert.Equal(0, Cli.Run("enqueue", "q", "Flaky", _path).Code);
        // The counter lives from the first failure until the retry's ack, about a second: the
        // failure count is the steadier sign (the retry_fail script writes both at once).
        await Wait.UntilAsync(async () => (long)await Db.StringGetAsync(Keys.StatFailed) == 1, TimeSpan.FromSeconds(15), "the first run to fail and schedule its retry");

        await Wait.UntilAsync(async () => (long)await Db.StringGetAsync(Keys.StatProcessed) == 2, TimeSpan.FromSeconds(15), "the retry to run and succeed");
        await Wait.UntilAsync(async () => !await Db.KeyExistsAsync(counter), TimeSpan.FromSeconds(5), "the counter to go with the retry's ack");
        Assert.False(await Db.KeyExistsAsync(keys.RetryFailure(logical)));
        Assert.False(await Db.KeyExistsAsync(keys.RetryPending));
        Assert.Equal(0, await Db.ListLengthAsync(Keys.Failed));
        Assert.Equal(1, (long)await Db.StringGetAsync(Keys.StatFailed));
    }

    public void Dispose()
    {
        _master?.Dispose();
        File.Delete(_path);
    }
}
