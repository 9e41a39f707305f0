using Pool.Master.Tests.Ops;
using Pool.Testing;

namespace Pool.Master.Tests.Scheduling;

/// <summary>A group's `retries` and `retry_delays` reach its workers, and `retries` commands act on what they leave.</summary>
public sealed class RetryCommandTests(RedisFixture redis) : OpsTest(redis, "retrycli"), IDisposable
{
    private PoolMasterProcess? _master;

    [Fact(Timeout = 90_000)]
    public async Task Retries_list_show_now_and_remove_keep_the_failed_list_consistent()
    {
        _master = PoolMasterProcess.Start(Redis.Server.Url, Ns, "q:\n  count: 1\n  retries: 1\n  retry_delays: [600]\n");
        await _master.WaitForWorkersAsync(Db, 1);
        Assert.Equal(0, Cli.Run("enqueue", "q", "Fail", "first").Code);
        Assert.Equal(0, Cli.Run("enqueue", "q", "Fail", "second").Code);
        await Wait.UntilAsync(() => Cli.Run("retries", "list").Output.Contains("2 pending retries"), TimeSpan.FromSeconds(20), "both failures to wait for a retry");

        var list = Cli.Run("retries", "list").Output;
        Assert.Matches(@"0\s+\S+\s+1\s+q\s+Fail\s+\[""first""\]\s+System.InvalidOperationException: first", list);
        Assert.Contains("failed at:", Cli.Run("retries", "show", "0").Output);
        Assert.Equal(0, await Db.ListLengthAsync(Keys.Failed));

        // Now: it runs at once, fails again, and with its one retry spent goes to failed with 2 attempts.
        Assert.Equal(0, Cli.Run("retries", "now", "0").Code);
        await Wait.UntilAsync(async () => await Db.ListLengthAsync(Keys.Failed) == 1, TimeSpan.FromSeconds(20), "the retried job to fail for good");
        Assert.Contains("\"args\":[\"first\"]", (string?)await Db.ListGetByIndexAsync(Keys.Failed, 0));
        Assert.EndsWith("\"retry_attempts\":2}", (string?)await Db.ListGetByIndexAsync(Keys.Failed, 0));
        // The operator reading the failed list sees how often it ran (the field was written, never shown).
        Assert.Contains("  attempts:   2, then given up\n", Cli.Run("failed", "show", "0").Output);

        // Remove: the job gives up now; its last failure goes to failed with its 1 attempt.
        Assert.Equal(0, Cli.Run("retries", "remove", "0").Code);
        Assert.Contains("0 pending retries", Cli.Run("retries", "list").Output);
        Assert.Equal(2, await Db.ListLengthAsync(Keys.Failed));
        var removed = (string?)await Db.ListGetByIndexAsync(Keys.Failed, 1);
        Assert.Contains("\"args\":[\"second\"]", removed);
        Assert.Contains("\"exception\":\"System.InvalidOperationException\"", removed);
        Assert.EndsWith("\"retry_attempts\":1}", removed);
        // Resque's failed_at, zone included, though resque-retry's suppressed record has none.
        Assert.Matches("\"failed_at\":\"\\d{4}/\\d\\d/\\d\\d \\d\\d:\\d\\d:\\d\\d UTC\"", removed);
        Assert.Equal(0, await Db.SortedSetLengthAsync($"{Ns}:delayed_queue_schedule"));
        Assert.Equal(1, Cli.Run("retries", "show", "0").Code);
    }

    public void Dispose() => _master?.Dispose();
}
