using System.Net;
using Microsoft.Extensions.Time.Testing;
using Pool.Master.Tests.Ops;
using Pool.Master.Web;
using Pool.Master.Web.Pages;
using Pool.Protocol.Admin;
using Pool.Protocol.Keys;
using Pool.Protocol.Retries;
using Pool.Protocol.Scheduling;
using Pool.Testing;
using StackExchange.Redis;

namespace Pool.Master.Tests.Web;

/// <summary>
/// The Scheduled, Retries and Recurring pages over real HTTP against a real Redis: escaping,
/// anti-forgery and read-only on each new POST, their effects in Redis, paging by cursor; and the
/// overview's shared queue-size read.
/// </summary>
[Collection(OpsRedis.Name)]
public sealed class DashboardSchedulingHttpTests(RedisFixture redis)
{
    private const string Script = "<script>alert(1)</script>";
    private readonly string _ns = RedisServer.NewNamespace("websched");
    private ResqueKeys Keys => new(_ns);
    private SchedulerKeys Scheduler => new(Keys);
    private IDatabase Db => redis.Server.Db;
    private DelayedQueue Delayed => new(Db, Scheduler);
    private static readonly DateTimeOffset Later = DateTimeOffset.UtcNow.AddDays(30);

    private Task<DashboardHost> StartAsync(IDictionary<string, string?>? env = null, IReadOnlyList<global::Pool.Master.Config.ScheduleEntry>? schedule = null) =>
        DashboardHost.StartAsync(redis.Server.Url, _ns, env, schedule: schedule);

    private static FormUrlEncodedContent Form(params (string Name, string Value)[] fields) =>
        new(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)));

    private static string Id(DelayedJob job) => DelayedIds.Of(new DelayedEntry(job.At, job.Encoded, job, null));

    [Fact]
    public async Task A_script_in_class_args_or_error_renders_as_text_on_the_three_pages_and_the_confirmation()
    {
        var delayed = await Delayed.EnqueueAtAsync(Later, "q" + Script, Script, Script);
        await DashboardData.RetryAsync(Db, Keys, Later.AddHours(1), "mail", Script, 2, Script, Script);
        await using var host = await StartAsync(schedule: [DashboardData.Every("nightly" + Script, "1h", Script, "q" + Script, "[\"" + Script.Replace("/", "\\/", StringComparison.Ordinal) + "\"]", Script)]);
        using var http = host.Client();

        foreach (var page in new[] { "/scheduled", "/retries", "/recurring", "/scheduled/confirm?op=remove&selected=" + Uri.EscapeDataString(Id(delayed)) })
        {
            using var response = await DashboardHost.OkAsync(http, page);
            var html = await response.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.DoesNotContain("<script>alert", html, StringComparison.Ordinal);
            Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html, StringComparison.Ordinal);
            Assert.DoesNotContain("unsafe-inline", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        }
        Assert.Contains("Yes, remove 1", await DashboardHost.PageAsync(http, "/scheduled/confirm?op=remove&selected=" + Uri.EscapeDataString(Id(delayed))), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_new_action_needs_the_anti_forgery_token_and_changes_nothing_without_it()
    {
        var job = await Delayed.EnqueueAtAsync(Later, "mail", "Reminder", 1);
        var retry = await DashboardData.RetryAsync(Db, Keys, Later.AddHours(1), "mail", "Flaky", 1, "boom", 2);
        await using var host = await StartAsync(schedule: [DashboardData.Every("tick", "1m", "Tick", "ops")]);
        using var http = host.Client();
        await DashboardHost.TokenAsync(http, "/scheduled");

        foreach (var (path, form) in Actions(job, retry))
        {
            var response = await http.PostAsync(path, form);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{path} without a token answered {(int)response.StatusCode}");
        }
        await AssertUntouchedAsync(job, retry);

        // With the page's token, the same forms do what they say.
        var token = await DashboardHost.TokenAsync(http, "/recurring");
        foreach (var (path, form) in Actions(job, retry, token))
        {
            var response = await http.PostAsync(path, form);
            Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        }
        Assert.Equal(0, await Db.SortedSetLengthAsync(Scheduler.Schedule));
        Assert.Equal(1, await Db.ListLengthAsync(Keys.Queue("mail")));
        Assert.Equal(1, await Db.ListLengthAsync(Keys.Queue("ops")));
    }

    [Fact]
    public async Task Read_only_mode_refuses_each_new_action_on_the_server_and_draws_no_buttons()
    {
        var job = await Delayed.EnqueueAtAsync(Later, "mail", "Reminder", 1);
        var retry = await DashboardData.RetryAsync(Db, Keys, Later.AddHours(1), "mail", "Flaky", 1, "boom", 2);
        await using var host = await StartAsync(new Dictionary<string, string?> { ["POOL_WEB_READ_ONLY"] = "1" }, [DashboardData.Every("tick", "1m", "Tick", "ops")]);
        using var http = host.Client();

        foreach (var page in new[] { "/scheduled", "/retries", "/recurring" })
        {
            var html = await DashboardHost.PageAsync(http, page);
            Assert.Contains("<tr data-", html, StringComparison.Ordinal);
            foreach (var button in new[] { ">Run now<", ">Retry now<", ">Remove<", "Remove…", "selected now", "name=\"_af\"" })
                Assert.DoesNotContain(button, html, StringComparison.Ordinal);
        }
        foreach (var (path, form) in Actions(job, retry, "any"))
            Assert.Equal(HttpStatusCode.Forbidden, (await http.PostAsync(path, form)).StatusCode);
        await AssertUntouchedAsync(job, retry);
    }

    private IEnumerable<(string Path, FormUrlEncodedContent Form)> Actions(DelayedJob job, DelayedJob retry, string? token = null)
    {
        var af = token is null ? [] : new[] { ("_af", token) };
        yield return ("/scheduled/action", Form([.. af, ("act", "remove"), ("selected", Id(job))]));
        yield return ("/retries/action", Form([.. af, ("act", "now:" + Id(retry))]));
        yield return ("/recurring/run", Form([.. af, ("name", "tick")]));
    }

    private async Task AssertUntouchedAsync(DelayedJob job, DelayedJob retry)
    {
        Assert.Equal(2, await Db.SortedSetLengthAsync(Scheduler.Schedule));
        Assert.Equal(1, await Db.ListLengthAsync(Scheduler.Bucket(job.At)));
        Assert.Equal(1, await Db.ListLengthAsync(Scheduler.Bucket(retry.At)));
        Assert.Equal(0, await Db.ListLengthAsync(Keys.Queue("mail")));
        Assert.Equal(0, await Db.ListLengthAsync(Keys.Queue("ops")));
    }

    [Fact]
    public async Task Scheduled_page_counts_one_job_in_one_second_in_the_singular_as_delayed_list_does()
    {
        await Delayed.EnqueueAtAsync(Later, "mail", "Reminder", 1);
        await using var host = await StartAsync();
        using var http = host.Client();
        // It said "1 jobs in 1 seconds"; `pool-master delayed list` says "1 delayed job in 1 second".
        Assert.Contains("<span class=\"muted\">1 job in 1 second</span>", await DashboardHost.PageAsync(http, "/scheduled"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scheduled_jobs_page_by_cursor_and_run_now_or_remove_exactly_the_rows_named()
    {
        // 60 jobs, three per second: pages cut through the middle of a second.
        var at = Later.ToUnixTimeSeconds();
        var jobs = new List<DelayedJob>();
        for (var i = 0; i < 60; i++) jobs.Add(await Delayed.EnqueueAtAsync(DateTimeOffset.FromUnixTimeSeconds(at + i / 3), "mail", "Reminder", i));
        await using var host = await StartAsync();
        using var http = host.Client();

        var first = await DashboardHost.PageAsync(http, "/scheduled");
        Assert.Contains("60 jobs in 20 seconds", first, StringComparison.Ordinal);
        Assert.Equal(25, DashboardHttpTests.CountOf(first, "<tr data-delayed="));
        Assert.Contains($"href=\"/scheduled?at={jobs[25].At}&amp;skip=1\"", first, StringComparison.Ordinal);
        var second = await DashboardHost.PageAsync(http, $"/scheduled?at={jobs[25].At}&skip=1");
        Assert.Contains(Id(jobs[25]), second, StringComparison.Ordinal);
        Assert.DoesNotContain(Id(jobs[24]), second, StringComparison.Ordinal);
        var third = await DashboardHost.PageAsync(http, $"/scheduled?at={jobs[50].At}&skip=2");
        Assert.Equal(10, DashboardHttpTests.CountOf(third, "<tr data-delayed="));
        Assert.Contains("<span class=\"off\">Later ›</span>", third, StringComparison.Ordinal);

        // "Run selected now…" and "Remove selected…" ask first, listing the rows as they are now (a gone one is left out).
        var confirm = await DashboardHost.PageAsync(http, $"/scheduled/confirm?op=run&selected={Uri.EscapeDataString(Id(jobs[0]))}&selected={Uri.EscapeDataString(Id(jobs[1]))}&selected=1:00");
        Assert.Contains("Run these 2 delayed jobs now?", confirm, StringComparison.Ordinal);
        Assert.Contains("name=\"act\" value=\"run\"", confirm, StringComparison.Ordinal);
        Assert.Equal(0, await Db.ListLengthAsync(Keys.Queue("mail")));

        var token = await DashboardHost.TokenAsync(http, "/scheduled");
        var run = await http.PostAsync("/scheduled/action", Form(("_af", token), ("act", "run"), ("selected", Id(jobs[4])), ("back", "/scheduled")));
        Assert.Contains("moved%201%20delayed%20job", run.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Equal(["{\"class\":\"Reminder\",\"args\":[4]}"], (await Db.ListRangeAsync(Keys.Queue("mail"))).Select(v => (string)v!).ToArray());
        Assert.Equal(2, await Db.ListLengthAsync(Scheduler.Bucket(jobs[4].At)));

        // The selected three of one second: the bucket, its schedule entry and the reverse index all go.
        var removed = await http.PostAsync("/scheduled/action", Form(("_af", token), ("act", "remove"),
            ("selected", Id(jobs[9])), ("selected", Id(jobs[10])), ("selected", Id(jobs[11])), ("selected", "1:0000000000000000")));
        Assert.Contains("removed%203%20of%204%20selected", removed.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.False(await Db.KeyExistsAsync(Scheduler.Bucket(jobs[9].At)));
        Assert.Null(await Db.SortedSetScoreAsync(Scheduler.Schedule, jobs[9].At));
        Assert.False(await Db.KeyExistsAsync(Scheduler.Timestamps(jobs[10].Encoded)));
        Assert.Equal(56, (await Delayed.CountAsync()).Jobs);

        // A row that is gone by the time its button is pressed changes nothing.
        var stale = await http.PostAsync("/scheduled/action", Form(("_af", token), ("act", "run"), ("selected", Id(jobs[9]))));
        Assert.Contains("is%20gone", stale.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Equal(1, await Db.ListLengthAsync(Keys.Queue("mail")));
    }

    [Fact]
    public async Task Retries_show_attempts_and_last_error_run_now_keeping_the_count_and_remove_to_the_failed_list()
    {
        // Plain delayed jobs before and between the retries: the page skips them.
        for (var i = 0; i < 30; i++) await Delayed.EnqueueAtAsync(Later.AddSeconds(i), "mail", "Reminder", i);
        var a = await DashboardData.RetryAsync(Db, Keys, Later.AddSeconds(5), "mail", "Flaky", 2, "Net::ReadTimeout: upstream timed out", 7);
        var b = await DashboardData.RetryAsync(Db, Keys, Later.AddSeconds(40), "mail", "Flaky", 0, "first failure", 8);
        await using var host = await StartAsync();
        using var http = host.Client();

        var page = await DashboardHost.PageAsync(http, "/retries");
        Assert.Equal(2, DashboardHttpTests.CountOf(page, "<tr data-retry="));
        Assert.Contains("<td class=\"num\">3</td>", page, StringComparison.Ordinal);
        Assert.Contains("<strong>Net::ReadTimeout</strong>: upstream timed out", page, StringComparison.Ordinal);
        Assert.DoesNotContain("Reminder", page, StringComparison.Ordinal);
        // "Due from" jumps past the first one (a Unix second or a UTC time).
        var from = await DashboardHost.PageAsync(http, $"/retries?from={a.At + 1}");
        Assert.Equal(1, DashboardHttpTests.CountOf(from, "<tr data-retry="));
        Assert.Contains(Id(b), from, StringComparison.Ordinal);
        Assert.Contains(Id(b), await DashboardHost.PageAsync(http, "/retries?from=" + Uri.EscapeDataString(DateTimeOffset.FromUnixTimeSeconds(a.At + 1).ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture))), StringComparison.Ordinal);

        var token = await DashboardHost.TokenAsync(http, "/retries");
        var now = await http.PostAsync("/retries/action", Form(("_af", token), ("act", "now:" + Id(a)), ("back", "/retries")));
        Assert.Contains("retrying%201%20job%20now", now.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Equal(["{\"class\":\"Flaky\",\"args\":[7]}"], (await Db.ListRangeAsync(Keys.Queue("mail"))).Select(v => (string)v!).ToArray());
        Assert.Equal("2", (string?)await Db.StringGetAsync(Scheduler.Retry(RetryKeys.Counter("Flaky", "[7]"))));

        var failedBefore = await Db.ListLengthAsync(Keys.Failed);
        var remove = await http.PostAsync("/retries/action", Form(("_af", token), ("act", "remove-selected"), ("selected", Id(b))));
        Assert.Contains("removed%201%20retry", remove.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Equal(failedBefore + 1, await Db.ListLengthAsync(Keys.Failed));
        var last = FailedJob.Parse(0, (string)(await Db.ListGetByIndexAsync(Keys.Failed, -1))!);
        Assert.Equal("first failure", last.Error);
        Assert.Equal("RuntimeError", last.Exception);
        Assert.Contains("\"retry_attempts\":1", last.Raw, StringComparison.Ordinal);
        Assert.Equal(1, last.Attempts);
        Assert.Contains("<dt>Attempts</dt><dd>1, then given up</dd>", await DashboardHost.PageAsync(http, "/failed"), StringComparison.Ordinal);
        Assert.False(await Db.KeyExistsAsync(Scheduler.Retry(RetryKeys.Counter("Flaky", "[8]"))));
        Assert.Equal(0, DashboardHttpTests.CountOf(await DashboardHost.PageAsync(http, "/retries"), "<tr data-retry="));
        // The plain delayed jobs were not touched.
        Assert.Equal(30, (await Delayed.CountAsync()).Jobs);
    }

    [Fact]
    public async Task Recurring_lists_each_entry_and_run_now_enqueues_one_run_from_the_schedule_not_the_form()
    {
        var schedule = new[] { DashboardData.Every("tick", "30s", "Tick", "ops", "[1]", "the heartbeat"), DashboardData.Every("hourly", "1h", "Hourly", "low") };
        await Db.HashSetAsync(Scheduler.LastFire, "hourly", Later.AddDays(-31).ToUnixTimeSeconds());
        await using var host = await StartAsync(schedule: schedule);
        using var http = host.Client();

        var page = await DashboardHost.PageAsync(http, "/recurring");
        Assert.Equal(2, DashboardHttpTests.CountOf(page, "<tr data-schedule="));
        Assert.Contains("every 30s", page, StringComparison.Ordinal);
        Assert.Contains("the heartbeat", page, StringComparison.Ordinal);
        Assert.Contains(">skip<", page, StringComparison.Ordinal);

        var token = await DashboardHost.TokenAsync(http, "/recurring");
        var run = await http.PostAsync("/recurring/run", Form(("_af", token), ("name", "tick"), ("class", "Evil"), ("back", "/recurring")));
        Assert.Contains("enqueued%20Tick%20on%20ops", run.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Equal(["{\"class\":\"Tick\",\"args\":[1]}"], (await Db.ListRangeAsync(Keys.Queue("ops"))).Select(v => (string)v!).ToArray());
        Assert.True(await Db.HashExistsAsync(Scheduler.LastEnqueuedAt, "tick"));

        var unknown = await http.PostAsync("/recurring/run", Form(("_af", token), ("name", "nope")));
        Assert.Contains("no%20schedule%20entry%20named", unknown.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Equal(1, await Db.ListLengthAsync(Keys.Queue("ops")));
    }

    [Fact]
    public async Task Queue_sizes_are_summed_in_chunks_with_the_longest_first_and_shared_for_five_seconds()
    {
        // 2,500 queues take several SSCAN slices; ties break by name.
        var names = Enumerable.Range(0, 2500).Select(i => $"q{i:0000}").ToArray();
        await Db.SetAddAsync(Keys.Queues, names.Select(n => (RedisValue)n).ToArray());
        await Task.WhenAll(names.Select((n, i) => (n, i)).Where(q => q.i % 7 > 0).Select(q => Db.ListRightPushAsync(Keys.Queue(q.n),
            Enumerable.Range(0, q.i % 7).Select(j => (RedisValue)$"{{\"class\":\"J\",\"args\":[{j}]}}").ToArray())));
        await Db.ListRightPushAsync(Keys.Queue("q1999"), Enumerable.Range(0, 50).Select(j => (RedisValue)"{}").ToArray());
        var expectedJobs = Enumerable.Range(0, 2500).Sum(i => i % 7) + 50;

        var summary = await new QueueSizes(Db, Keys).SummarizeAsync(10, DateTimeOffset.UtcNow);
        Assert.Equal(2500, summary.Queues);
        Assert.Equal(expectedJobs, summary.Jobs);
        Assert.Equal(2500 - (2500 / 7 + 1), summary.NonEmpty);
        Assert.Equal(("q1999", 54L), summary.Longest[0]);
        Assert.Equal(["q0006", "q0013", "q0020"], summary.Longest.Skip(1).Take(3).Select(q => q.Name).ToArray());

        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var cache = new QueueSummaryCache(Keys, clock);
        var once = await cache.GetAsync(Db);
        await Db.ListRightPushAsync(Keys.Queue("q0000"), "{}");
        clock.Advance(TimeSpan.FromSeconds(4));
        Assert.Same(once, await cache.GetAsync(Db));
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(expectedJobs + 1, (await cache.GetAsync(Db)).Jobs);

        await using var host = await StartAsync();
        using var http = host.Client();
        var overview = await DashboardHost.PageAsync(http, "/");
        Assert.Contains($">{Format.Count(expectedJobs + 1)}</div><div class=\"label\">Enqueued", overview, StringComparison.Ordinal);
        Assert.Contains(">q1999</a>", overview, StringComparison.Ordinal);
    }
}
