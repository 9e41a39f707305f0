using Pool.Protocol.Keys;
using Pool.Protocol.Working;
using Pool.Testing;
using StackExchange.Redis;

namespace Pool.Protocol.Tests.Scripts;

/// <summary>
/// Resque 2's dynamic queues: a queue-list entry with *, ? or [ is a File.fnmatch pattern over
/// resque:queues. A migrated `"critical,mail_*": 2` used to take nothing from mail_digest.
/// </summary>
public sealed class QueuePatternTests(RedisFixture redis) : NamespacedTest(redis)
{

    private async Task PushAsync(string queue, string cls)
    {
        // As a Ruby producer does: no wake token, no hand-off.
        await Db.SetAddAsync(Keys.Queues, queue);
        await Db.ListRightPushAsync(Keys.Queue(queue), $$"""{"class":"{{cls}}","args":[]}""");
    }

    [Fact]
    public async Task A_pattern_takes_from_the_known_queues_it_matches_alphabetically_where_it_stands_in_the_list()
    {
        foreach (var (queue, cls) in new[] { ("mail_b", "B"), ("other", "O"), ("mail_a", "A"), ("critical", "C"), ("mail.x", "X") })
            await PushAsync(queue, cls);
        var w = await WorkerAsync("h:1:critical,mail_*", "critical", "mail_*");

        var taken = new List<string>();
        string? ack = null;
        while ((await w.ReserveAsync(ack)) is { Status: ReserveStatus.Job } r)
        {
            taken.Add(r.Job!.Queue);
            ack = r.Job.Rid;
        }
        Assert.Equal(["critical", "mail_a", "mail_b"], taken);
        Assert.Equal(1, await Db.ListLengthAsync(Keys.Queue("other")));
        Assert.Equal(1, await Db.ListLengthAsync(Keys.Queue("mail.x")));
    }

    [Theory]
    [InlineData("mail_?", "mail_a", true)]
    [InlineData("mail_?", "mail_ab", false)]
    [InlineData("mail_[ab]", "mail_b", true)]
    [InlineData("mail_[!ab]", "mail_b", false)]
    [InlineData("mail_[!ab]", "mail_c", true)]
    [InlineData("mail_[a-c]x", "mail_bx", true)]
    [InlineData("m%l.*", "m%l.1", true)]
    [InlineData("m%l.*", "mxl.1", false)]
    [InlineData("*_high", "mail_high", true)]
    [InlineData("a(b)*", "a(b)c", true)]
    [InlineData("x[!]", "x[!]", true)]
    [InlineData("[^]", "[^]", true)]
    [InlineData("x[!]*", "xa", false)]
    [InlineData("q[^a]", "qb", true)]
    public async Task The_script_and_the_master_agree_on_what_a_pattern_matches(string pattern, string queue, bool matches)
    {
        await PushAsync(queue, "J");
        var w = await WorkerAsync($"h:2:{pattern}", pattern);

        Assert.Equal(matches, (await w.ReserveAsync(null)).Status == ReserveStatus.Job);
        Assert.Equal(matches, QueuePattern.Expand([pattern], [queue]).Count == 1);
    }

    [Fact]
    public async Task An_idle_worker_of_a_pattern_is_handed_a_job_of_a_queue_it_matches_and_not_one_of_another()
    {
        var w = await WorkerAsync("h:3:mail_*", "mail_*");
        Assert.Equal(ReserveStatus.Empty, (await w.ReserveAsync(null)).Status);

        await Producer.EnqueueAsync("other", "O");
        Assert.Equal(0, await Db.ListLengthAsync(Keys.Mailbox(w.WorkerId)));
        Assert.Equal(1, await Db.ListLengthAsync(Keys.Queue("other")));

        // Passed over for "other", it idles again at its next reserve, as its poll does.
        Assert.Equal(ReserveStatus.Empty, (await w.ReserveAsync(null)).Status);
        await Producer.EnqueueAsync("mail_x", "M");
        Assert.Equal(1, await Db.ListLengthAsync(Keys.Mailbox(w.WorkerId)));
        Assert.Equal(0, await Db.ListLengthAsync(Keys.Queue("mail_x")));
    }
}
