using System.Text.Json;
using Pool.Protocol.Admin;
using Pool.Protocol.Keys;
using Pool.Protocol.Recovery;
using Pool.Protocol.Working;
using Pool.Testing;
using StackExchange.Redis;

namespace Pool.Protocol.Tests.Admin;

public sealed class FailedJobsTests(RedisFixture redis) : NamespacedTest(redis)
{
    private FailedJobs Failed => new(Db, Keys);

    private const string RubyEntry =
        """{"failed_at":"2026/11/25 13:33:11 UTC","payload":{"class":"Mailer","args":["a/b",1]},"exception":"RuntimeError","error":"boom","backtrace":["x.rb:1"],"worker":"h:1:mail","queue":"mail"}""";

    /// <summary>A poison job made by the real scripts: enqueued, reserved, and its worker dead once (MaxAttempts 1).</summary>
    private async Task<string> PoisonAsync(string original)
    {
        await Db.ListRightPushAsync(Keys.Queue("q"), original);
        var worker = new WorkerStore(Db, Keys, "h:7:q", ["q"]);
        await worker.RegisterAsync();
        Assert.Equal(ReserveStatus.Job, (await worker.ReserveAsync(null)).Status);
        var outcome = await new RedisMasterStore(Redis.Server.Connection, Ns) { MaxAttempts = 1 }.RecoverWorkerAsync(worker.WorkerId);
        Assert.Equal(RecoveryAction.Poisoned, outcome.Action);
        return (string)(await Db.ListGetByIndexAsync(Keys.Failed, 0))!;
    }

    [Fact]
    public async Task Retry_marks_the_entry_retried_last_in_resques_format_and_enqueues_the_original_bytes_without_pool_attempts()
    {
        const string original = """{"class":"A","args":["a/b",{"k":"é"}],"id":"x"}""";
        var entry = await PoisonAsync(original);
        Assert.Contains("\"pool_attempts\":1", entry);

        var result = await Failed.RetryAsync(0);

        Assert.Equal(RetryOutcome.Retried, result.Outcome);
        Assert.Equal(original, (string?)await Db.ListGetByIndexAsync(Keys.Queue("q"), 0));
        Assert.Equal(1, await Db.ListLengthAsync(Keys.Wake("q")));
        var marked = (string)(await Db.ListGetByIndexAsync(Keys.Failed, 0))!;
        Assert.StartsWith(entry[..^1] + ",\"retried_at\":\"", marked);
        Assert.Matches("""retried_at":"\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2} UTC"}$""", marked);
        using var doc = JsonDocument.Parse(marked);
        Assert.Equal(["failed_at", "payload", "exception", "error", "backtrace", "worker", "queue", "retried_at"],
            doc.RootElement.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task Retrying_twice_replaces_retried_at_instead_of_adding_a_second_one()
    {
        await Db.ListRightPushAsync(Keys.Failed, RubyEntry);
        await Failed.RetryAsync(0);
        await Failed.RetryAsync(0);

        var marked = (string)(await Db.ListGetByIndexAsync(Keys.Failed, 0))!;
        Assert.Single(marked.Split("retried_at")[1..]);
        Assert.Equal(2, await Db.ListLengthAsync(Keys.Queue("mail")));
    }

    [Fact]
    public async Task Retry_finds_its_entry_by_text_when_another_client_removed_one_before_it()
    {
        await Db.ListRightPushAsync(Keys.Failed, ["""{"queue":"other","payload":{"class":"B","args":[]}}""", RubyEntry]);
        var job = (await Failed.GetAsync(1))!;
        await Db.ListLeftPopAsync(Keys.Failed);

        var result = await Failed.RetryAsync(job);

        Assert.Equal(new RetryResult(0, RetryOutcome.Retried, "mail", """{"class":"Mailer","args":["a/b",1]}""", null), result);
        Assert.Equal(0, await Db.ListLengthAsync(Keys.Queue("other")));
    }

    [Fact]
    public async Task Retry_all_retries_every_entry_and_skips_the_ones_without_a_queue()
    {
        // A queue that is not a string made a queue named ["x"].
        await Db.ListRightPushAsync(Keys.Failed, [RubyEntry, "not json", RubyEntry, RubyEntry.Replace("\"queue\":\"mail\"", "\"queue\":[\"x\"]")]);

        var results = await Failed.RetryAllAsync();

        Assert.Equal([RetryOutcome.Retried, RetryOutcome.Unretryable, RetryOutcome.Retried, RetryOutcome.Unretryable], results.Select(r => r.Outcome));
        Assert.Equal(2, await Db.ListLengthAsync(Keys.Queue("mail")));
        Assert.False(await Db.KeyExistsAsync(Keys.Queue("[\"x\"]")));
    }

    [Fact]
    public async Task Remove_deletes_exactly_the_entry_it_read_even_after_the_list_shifted()
    {
        var other = RubyEntry.Replace("boom", "other");
        await Db.ListRightPushAsync(Keys.Failed, ["", other, RubyEntry]);
        Assert.True(await Failed.RemoveAsync(2));
        Assert.Equal(["", other], (await Db.ListRangeAsync(Keys.Failed)).Select(v => (string)v!));
        Assert.False(await Failed.RemoveAsync(5));
    }

    [Fact]
    public async Task Clear_deletes_the_list_and_says_how_many_it_held()
    {
        await Db.ListRightPushAsync(Keys.Failed, [RubyEntry, RubyEntry]);
        Assert.Equal(2, await Failed.ClearAsync());
        Assert.False(await Db.KeyExistsAsync(Keys.Failed));
    }
}
