using Pool.Master.Tests.Ops;
using Pool.Protocol.Scheduling;
using Pool.Testing;

namespace Pool.Master.Tests.Scheduling;

public sealed class DelayedCommandTests(RedisFixture redis) : OpsTest(redis, "delayedcli")
{
    private SchedulerKeys SKeys => new(Ns);

    [Fact(Timeout = 60_000)]
    public async Task Enqueue_in_schedules_the_job_in_ruby_format_and_delayed_list_and_remove_see_it()
    {
        var (code, output) = Cli.Run("enqueue", "--in", "1h30m", "mail", "Send", "a/b", "2");
        Assert.Equal(0, code);
        Assert.Contains("scheduled {\"class\":\"Send\",\"args\":[\"a/b\",2],\"queue\":\"mail\"}", output);
        // The due time is second-aligned, so the job is due in 1h29m or 1h30m (never a raw d.hh:mm:ss).
        Assert.Matches(@"\(1h(29|30)m from now\)", output);
        var at = (long)(await Db.SortedSetRangeByRankWithScoresAsync(SKeys.Schedule))[0].Score;
        Assert.InRange(at - DateTimeOffset.UtcNow.ToUnixTimeSeconds(), 5390, 5401);

        var list = Cli.Run("delayed", "list");
        Assert.Contains("1 delayed job in 1 second", list.Output);
        Assert.Contains("[\"a/b\",2]", list.Output);

        var status = Cli.Run("status").Output;
        Assert.Contains("scheduler: NOBODY LEADS", status);
        Assert.Contains("delayed: 1 job in 1 second; none due", status);
        Assert.Equal(1, System.Text.Json.JsonDocument.Parse(Cli.Run("status", "--json").Output).RootElement.GetProperty("scheduler").GetProperty("delayed_jobs").GetInt64());

        Assert.Equal(0, Cli.Run("delayed", "remove", "mail", "Send", "a/b", "2").Code);
        Assert.Equal(0, await Db.SortedSetLengthAsync(SKeys.Schedule));
        Assert.Equal(1, Cli.Run("delayed", "remove", "mail", "Send", "a/b", "2").Code);
    }

    [Fact(Timeout = 60_000)]
    public async Task Enqueue_at_an_iso_time_or_unix_seconds_and_bad_times_are_one_line_errors()
    {
        var future = DateTimeOffset.UtcNow.AddDays(1).ToUnixTimeSeconds();
        Assert.Equal(0, Cli.Run("enqueue", "--at", future.ToString(), "q", "A").Code);
        Assert.Equal(0, Cli.Run("enqueue", "--at", DateTimeOffset.FromUnixTimeSeconds(future + 1).ToString("yyyy-MM-ddTHH:mm:ssZ"), "q", "B").Code);
        Assert.Equal(2, await Db.SortedSetLengthAsync(SKeys.Schedule));

        var past = Cli.Run("enqueue", "--at", "2001-01-01T00:00:00Z", "q", "A");
        Assert.Equal(1, past.Code);
        Assert.Contains("is in the past", past.Output);
        var garbage = Cli.Run("enqueue", "--in", "soon", "q", "A");
        Assert.Equal(1, garbage.Code);
        Assert.Contains("--in 'soon' is not a duration", garbage.Output);
        Assert.Single(garbage.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        // Too large is said as such (it was "not a duration", "not a time"), with the most accepted.
        var longIn = Cli.Run("enqueue", "--in", "99999999999d", "q", "A");
        Assert.Equal(1, longIn.Code);
        Assert.Contains("--in '99999999999d' is too large: at most 366 days (366d); for a later time, use --at", Assert.Single(longIn.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        var lateAt = Cli.Run("enqueue", "--at", "99999999999999999999", "q", "A");
        Assert.Equal(1, lateAt.Code);
        Assert.Contains("--at '99999999999999999999' is too large: Unix seconds go up to 253402300799 (9999-12-31T23:59:59Z)", Assert.Single(lateAt.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        Assert.Equal(1, Cli.Run("enqueue", "--at", future.ToString(), "--in", "5m", "q", "A").Code);
        Assert.Equal(2, await Db.SortedSetLengthAsync(SKeys.Schedule));
    }

    [Fact(Timeout = 60_000)]
    public async Task Enqueue_in_by_a_user_without_pub_sub_succeeds_and_stores_the_job_once()
    {
        // The script's wake-up PUBLISH came after its writes: its NOPERM made the command fail
        // (rc 1) with the job stored, and the retry that followed stored it twice.
        var (code, output) = new PoolMasterCli(Redis.Server.UrlWithoutPubSub(), Ns).Run("enqueue", "--in", "3s", "q", "Record", "/tmp/x.txt", "tag");
        Assert.True(code == 0, output);

        var second = Assert.Single(await Db.SortedSetRangeByRankAsync(SKeys.Schedule));
        Assert.Equal(["{\"class\":\"Record\",\"args\":[\"/tmp/x.txt\",\"tag\"],\"queue\":\"q\"}"],
            (await Db.ListRangeAsync(SKeys.Bucket(second))).Select(v => (string)v!));
    }
}
