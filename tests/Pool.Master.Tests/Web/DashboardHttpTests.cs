using System.Diagnostics;
using System.Net;
using System.Text;
using Mono.Unix.Native;
using Pool.Master.Tests.Ops;
using Pool.Protocol.Keys;
using Pool.Testing;

namespace Pool.Master.Tests.Web;

/// <summary>The dashboard over real HTTP against a real Redis: escaping, auth, read-only, anti-forgery, the Redis-down banner, the failed-list actions.</summary>
[Collection(OpsRedis.Name)]
public sealed class DashboardHttpTests(RedisFixture redis)
{
    private const string Script = "<script>alert(1)</script>";
    private readonly string _ns = RedisServer.NewNamespace("web");
    private ResqueKeys Keys => new(_ns);

    private Task<DashboardHost> StartAsync(IDictionary<string, string?>? env = null) => DashboardHost.StartAsync(redis.Server.Url, _ns, env);

    [Fact]
    public async Task Values_from_Redis_render_as_text_on_every_page_and_pages_carry_a_strict_CSP()
    {
        var db = redis.Server.Db;
        await db.ListRightPushAsync(Keys.Failed, DashboardData.Failed(Script, "q" + Script, "boom <img src=x onerror=alert(1)>"));
        await DashboardData.QueueAsync(db, Keys, "q" + Script, DashboardData.Job(Script, Script));
        await db.SetAddAsync(Keys.Workers, "host" + Script + ":12:q");
        await using var host = await StartAsync();
        using var http = host.Client();

        foreach (var page in new[] { "/", "/queues", "/queue?name=" + Uri.EscapeDataString("q" + Script), "/workers", "/masters", "/failed", "/failed?class=script" })
        {
            using var response = await DashboardHost.OkAsync(http, page);
            var html = await response.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.DoesNotContain("<script>alert", html, StringComparison.Ordinal);
            Assert.DoesNotContain("<img src=x", html, StringComparison.Ordinal);
            Assert.Contains("script-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
            Assert.DoesNotContain("unsafe-inline", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        }
        var failed = await DashboardHost.PageAsync(http, "/failed");
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", failed, StringComparison.Ordinal);
        Assert.Contains("&lt;img src=x onerror=alert(1)&gt;", failed, StringComparison.Ordinal);
    }

    /// <summary>
    /// Another app's stray keys of the wrong type (a queue key holding a string, Resque's counter
    /// a hash): every page used to answer 503 "Redis is not answering" for a healthy Redis.
    /// </summary>
    [Fact]
    public async Task Keys_of_the_wrong_type_read_as_empty_and_every_page_still_answers()
    {
        var db = redis.Server.Db;
        await db.SetAddAsync(Keys.Queues, "stray");
        await db.StringSetAsync(Keys.Queue("stray"), "not a list");
        await db.HashSetAsync(Keys.StatProcessed, "a", "1");
        await db.SetAddAsync(Keys.Failed, "not a list either");
        await db.StringSetAsync(new Pool.Protocol.Scheduling.SchedulerKeys(Keys).Schedule, "not a sorted set");
        await DashboardData.QueueAsync(db, Keys, "good", DashboardData.Job("Noop", "x"));
        await using var host = await StartAsync();
        using var http = host.Client();

        foreach (var page in new[] { "/", "/queues", "/queue?name=stray", "/failed", "/scheduled", "/retries", "/retries?from=99999999999999", "/api/stats" })
        {
            using var response = await http.GetAsync(page);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{page}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        Assert.Contains("good", await DashboardHost.PageAsync(http, "/queues"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_auth_takes_a_bearer_token_or_basic_with_the_token_as_password_and_nothing_else()
    {
        await using var host = await StartAsync(new Dictionary<string, string?> { ["POOL_WEB_AUTH"] = "token", ["POOL_WEB_TOKEN"] = "s3cret-token" });
        using var http = host.Client();

        var anonymous = await http.GetAsync("/");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.StartsWith("Basic", anonymous.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(http, "/", "Bearer wrong")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(http, "/assets/dashboard.css", "Bearer wrong")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(http, "/assets/dashboard.css", "Bearer s3cret-token")).StatusCode);
        Assert.NotEqual(HttpStatusCode.Unauthorized, (await SendAsync(http, "/", "Bearer s3cret-token")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(http, "/assets/dashboard.js", Basic("anyone:s3cret-token"))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(http, "/failed", Basic("s3cret-token:x"))).StatusCode);
        var page = await (await SendAsync(http, "/", "Bearer s3cret-token")).Content.ReadAsStringAsync();
        Assert.DoesNotContain("s3cret-token", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Basic_auth_takes_the_configured_user_and_password()
    {
        await using var host = await StartAsync(new Dictionary<string, string?> { ["POOL_WEB_AUTH"] = "basic", ["POOL_WEB_CREDENTIALS"] = "ops:pa:ss" });
        using var http = host.Client();
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/queues")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(http, "/queues", Basic("ops:wrong"))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(http, "/queues", "Bearer ops:pa:ss")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(http, "/assets/dashboard.css", Basic("ops:pa:ss"))).StatusCode);
        Assert.NotEqual(HttpStatusCode.Unauthorized, (await SendAsync(http, "/queues", Basic("ops:pa:ss"))).StatusCode);
    }

    [Fact]
    public void Without_auth_only_loopback_addresses_are_served_and_a_missing_secret_is_one_clear_error()
    {
        var env = new Dictionary<string, string?>();
        var open = Pool.Master.Web.DashboardOptions.Resolve("redis://127.0.0.1:1", "resque", null, null, null, env, null);
        Assert.Null(open.RefusalFor(Observability.HttpAddress.Parse("127.0.0.1:1")));
        Assert.Null(open.RefusalFor(Observability.HttpAddress.Parse("localhost:1")));
        Assert.Contains("--auth", open.RefusalFor(Observability.HttpAddress.Parse("0.0.0.0:1")), StringComparison.Ordinal);
        Assert.Contains("--auth", open.RefusalFor(Observability.HttpAddress.Parse("10.1.2.3:1")), StringComparison.Ordinal);
        var token = Pool.Master.Web.DashboardOptions.Resolve("redis://x", "resque", "token", null, null, new Dictionary<string, string?> { ["POOL_WEB_TOKEN"] = "t" }, null);
        Assert.Null(token.RefusalFor(Observability.HttpAddress.Parse("0.0.0.0:1")));
        var e = Assert.Throws<FormatException>(() => Pool.Master.Web.DashboardOptions.Resolve("redis://x", "resque", "token", null, null, env, null));
        Assert.Contains("POOL_WEB_TOKEN", e.Message, StringComparison.Ordinal);
    }

    /// <summary>POOL_WEB_READ_ONLY=on (or any value but 1, true, yes) served a dashboard that changes things.</summary>
    [Theory]
    [InlineData("on", true)]
    [InlineData("YES", true)]
    [InlineData("1", true)]
    [InlineData("off", false)]
    [InlineData("0", false)]
    public void Read_only_reads_the_usual_spellings(string value, bool readOnly) =>
        Assert.Equal(readOnly, Pool.Master.Web.DashboardOptions.Resolve("redis://x", "resque", null, null, null, new Dictionary<string, string?> { ["POOL_WEB_READ_ONLY"] = value }, null).ReadOnly);

    [Fact]
    public void Read_only_with_a_value_it_does_not_know_is_an_error_not_a_writable_dashboard()
    {
        var e = Assert.Throws<FormatException>(() => Pool.Master.Web.DashboardOptions.Resolve("redis://x", "resque", null, null, null, new Dictionary<string, string?> { ["POOL_WEB_READ_ONLY"] = "maybe" }, null));
        Assert.Equal("POOL_WEB_READ_ONLY='maybe' must be 1 (read-only) or 0; true/false, yes/no and on/off are read too", e.Message);
    }

    [Fact]
    public async Task Read_only_mode_refuses_every_change_on_the_server_and_hides_the_buttons()
    {
        var db = redis.Server.Db;
        await DashboardData.QueueAsync(db, Keys, "mail", DashboardData.Job("Mail", 1));
        await db.ListRightPushAsync(Keys.Failed, DashboardData.Failed("Boom", "mail", "x"));
        await using var host = await StartAsync(new Dictionary<string, string?> { ["POOL_WEB_READ_ONLY"] = "1" });
        using var http = host.Client();

        var queues = await DashboardHost.PageAsync(http, "/queues");
        Assert.Contains("read-only", queues, StringComparison.Ordinal);
        Assert.DoesNotContain("Pause</button>", queues, StringComparison.Ordinal);
        Assert.DoesNotContain("Retry</button>", await DashboardHost.PageAsync(http, "/failed"), StringComparison.Ordinal);
        foreach (var (path, form) in new[]
        {
            ("/queues/pause", new Dictionary<string, string> { ["queue"] = "mail" }),
            ("/queue/clear", new Dictionary<string, string> { ["name"] = "mail" }),
            ("/failed/action", new Dictionary<string, string> { ["act"] = "remove-matching" }),
        })
        {
            var response = await http.PostAsync(path, new FormUrlEncodedContent(form));
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }
        Assert.False(await db.SetContainsAsync(Keys.PausedQueues, "mail"));
        Assert.Equal(1, await db.ListLengthAsync(Keys.Queue("mail")));
        Assert.Equal(1, await db.ListLengthAsync(Keys.Failed));
    }

    [Fact]
    public async Task A_change_needs_the_pages_anti_forgery_token_and_cookie_and_a_same_site_origin()
    {
        var db = redis.Server.Db;
        await DashboardData.QueueAsync(db, Keys, "mail", DashboardData.Job("Mail", 1));
        await using var host = await StartAsync();
        using var http = host.Client();
        var pause = new Dictionary<string, string> { ["queue"] = "mail", ["back"] = "/queues" };

        Assert.Equal(HttpStatusCode.BadRequest, (await http.PostAsync("/queues/pause", new FormUrlEncodedContent(pause))).StatusCode);
        using (var stranger = host.Client())
        {
            // A token taken from one browser's page is no good with another browser's (or no) cookie.
            var token = await DashboardHost.TokenAsync(http, "/queues");
            Assert.Equal(HttpStatusCode.BadRequest, (await stranger.PostAsync("/queues/pause", new FormUrlEncodedContent(new Dictionary<string, string>(pause) { ["_af"] = token }))).StatusCode);
        }
        var valid = new Dictionary<string, string>(pause) { ["_af"] = await DashboardHost.TokenAsync(http, "/queues") };
        using (var crossSite = new HttpRequestMessage(HttpMethod.Post, "/queues/pause") { Content = new FormUrlEncodedContent(valid) })
        {
            crossSite.Headers.Add("Origin", "http://evil.example");
            Assert.Equal(HttpStatusCode.Forbidden, (await http.SendAsync(crossSite)).StatusCode);
        }
        Assert.False(await db.SetContainsAsync(Keys.PausedQueues, "mail"));

        using var sameSite = new HttpRequestMessage(HttpMethod.Post, "/queues/pause") { Content = new FormUrlEncodedContent(valid) };
        sameSite.Headers.Add("Origin", host.BaseUrl);
        var ok = await http.SendAsync(sameSite);
        Assert.Equal(HttpStatusCode.SeeOther, ok.StatusCode);
        Assert.StartsWith("/queues?msg=paused", ok.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.True(await db.SetContainsAsync(Keys.PausedQueues, "mail"));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await http.GetAsync("/queues/pause")).StatusCode);
    }

    /// <summary>
    /// Behind a proxy that keeps the prefix, every page, link, asset and redirect carries it, and
    /// nothing answers without it: the proxy is meant to be the only way in.
    /// </summary>
    [Fact]
    public async Task With_a_path_base_everything_is_served_under_it_and_nothing_outside_it()
    {
        var db = redis.Server.Db;
        await DashboardData.QueueAsync(db, Keys, "mail", DashboardData.Job("Mail", 1));
        await using var host = await StartAsync(new Dictionary<string, string?> { ["POOL_WEB_PATH_BASE"] = "/pool/" });
        using var http = host.Client();

        var overview = await DashboardHost.PageAsync(http, "/pool/");
        Assert.Contains("href=\"/pool/queues\"", overview, StringComparison.Ordinal);
        Assert.Contains("/pool/assets/", overview, StringComparison.Ordinal);
        Assert.DoesNotContain("href=\"/queues\"", overview, StringComparison.Ordinal);
        Assert.Contains("mail", await DashboardHost.PageAsync(http, "/pool/queues"), StringComparison.Ordinal);
        foreach (var outside in new[] { "/", "/queues", "/failed", "/poolqueues" })
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(outside)).StatusCode);

        var pause = new Dictionary<string, string> { ["queue"] = "mail", ["back"] = "/queues", ["_af"] = await DashboardHost.TokenAsync(http, "/pool/queues") };
        var ok = await http.PostAsync("/pool/queues/pause", new FormUrlEncodedContent(pause));
        Assert.Equal(HttpStatusCode.SeeOther, ok.StatusCode);
        Assert.StartsWith("/pool/queues?msg=paused", ok.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.True(await db.SetContainsAsync(Keys.PausedQueues, "mail"));
    }

    [Fact]
    public async Task A_stalled_or_dead_Redis_gives_every_page_a_banner_within_a_second()
    {
        using var own = RedisServer.Start();
        await own.Db.ListRightPushAsync(new ResqueKeys(_ns).Failed, DashboardData.Failed("Boom", "mail", "x"));
        var pid = int.Parse(((string)(await own.Db.ExecuteAsync("INFO", "server"))!).Split('\n')
            .Single(l => l.StartsWith("process_id:", StringComparison.Ordinal))["process_id:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        await using var host = await DashboardHost.StartAsync(own.Url, _ns);
        using var http = host.Client();
        await Wait.UntilAsync(async () => (await http.GetAsync("/failed")).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(10), "the dashboard to connect");

        Assert.Equal(0, Syscall.kill(pid, Signum.SIGSTOP));
        try
        {
            foreach (var page in new[] { "/", "/queues", "/workers", "/masters", "/failed", "/scheduled", "/retries", "/recurring" })
            {
                var clock = Stopwatch.StartNew();
                var response = await http.GetAsync(page);
                clock.Stop();
                var body = await response.Content.ReadAsStringAsync();
                Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{page}: {(int)response.StatusCode} {body[Math.Max(0, body.IndexOf("<div class=\"banner\"", StringComparison.Ordinal))..]}; log: {host.Log}");
                Assert.Contains("Redis is not answering", body, StringComparison.Ordinal);
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1.5), $"{page} took {clock.Elapsed.TotalMilliseconds:0} ms with Redis stalled");
            }
        }
        finally
        {
            Syscall.kill(pid, Signum.SIGCONT);
        }
        own.Stop();
        var down = Stopwatch.StartNew();
        var dead = await http.GetAsync("/");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, dead.StatusCode);
        Assert.Contains("Redis is not answering", await dead.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True(down.Elapsed < TimeSpan.FromSeconds(1.5), $"the page took {down.Elapsed.TotalMilliseconds:0} ms with Redis dead");
    }

    [Fact]
    public async Task Retry_and_remove_act_on_the_entry_shown_and_filters_page_through_a_big_list()
    {
        var db = redis.Server.Db;
        var entries = Enumerable.Range(0, 2500).Select(i => (StackExchange.Redis.RedisValue)DashboardData.Failed(i % 1000 == 7 ? "Rare" : "Common", "mail", "err " + i, i)).ToArray();
        await db.ListRightPushAsync(Keys.Failed, entries);
        await using var host = await StartAsync();
        using var http = host.Client();

        // A filtered page reads for at most FailedPage.ScanBudget, so on a loaded machine the
        // matches can take more than one page: follow "Older matches" to the oldest.
        Assert.Equal(["2007", "1007", "7"], await FilteredMatchesAsync(http, "/failed?class=rare"));
        var first = await DashboardHost.PageAsync(http, "/failed");
        Assert.Contains("data-failed=\"2499\"", first, StringComparison.Ordinal);
        Assert.Contains("page 1 of 100", first, StringComparison.Ordinal);

        var token = await DashboardHost.TokenAsync(http, "/failed");
        var id = "2007:" + Pool.Master.Web.Pages.FailedPage.Digest((string)entries[2007]!);
        var retry = await http.PostAsync("/failed/action", new FormUrlEncodedContent(new Dictionary<string, string> { ["_af"] = token, ["act"] = "retry:" + id, ["back"] = "/failed" }));
        Assert.Equal(HttpStatusCode.SeeOther, retry.StatusCode);
        Assert.Contains("retried%201", retry.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Equal(1, await db.ListLengthAsync(Keys.Queue("mail")));
        Assert.Contains("retried_at", (string)(await db.ListGetByIndexAsync(Keys.Failed, 2007))!, StringComparison.Ordinal);

        // A stale id (the entry changed since the page was drawn) changes nothing.
        var stale = await http.PostAsync("/failed/action", new FormUrlEncodedContent(new Dictionary<string, string> { ["_af"] = token, ["act"] = "remove:" + id }));
        Assert.Contains("gone%20or%20moved", stale.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Equal(2500, await db.ListLengthAsync(Keys.Failed));

        var removeAll = await http.PostAsync("/failed/action", new FormUrlEncodedContent(new Dictionary<string, string> { ["_af"] = token, ["act"] = "remove-matching", ["class"] = "Rare" }));
        Assert.Contains("removed%203", removeAll.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Equal(2497, await db.ListLengthAsync(Keys.Failed));
        Assert.Empty(await FilteredMatchesAsync(http, "/failed?class=rare"));
    }

    /// <summary>The rows a filtered failed list shows, newest first, over every page its "Older matches" link leads to.</summary>
    private static async Task<List<string>> FilteredMatchesAsync(HttpClient http, string url)
    {
        var rows = new List<string>();
        for (var page = await DashboardHost.PageAsync(http, url); ;)
        {
            rows.AddRange(System.Text.RegularExpressions.Regex.Matches(page, "<tr data-failed=\"(\\d+)\"").Select(m => m.Groups[1].Value));
            if (System.Text.RegularExpressions.Regex.Match(page, "(?:&amp;|&)below=(\\d+)\">Older matches") is not { Success: true } older) return rows;
            page = await DashboardHost.PageAsync(http, url + "&below=" + older.Groups[1].Value);
        }
    }

    [Fact]
    public async Task Selected_entries_are_retried_and_a_queue_job_is_deleted_and_a_queue_cleared()
    {
        var db = redis.Server.Db;
        var entries = Enumerable.Range(0, 5).Select(i => DashboardData.Failed("Job" + i, "mail", "e" + i, i)).ToArray();
        await db.ListRightPushAsync(Keys.Failed, entries.Select(e => (StackExchange.Redis.RedisValue)e).ToArray());
        var jobs = new[] { DashboardData.Job("A", 1), DashboardData.Job("B", 2), DashboardData.Job("C", 3) };
        await DashboardData.QueueAsync(db, Keys, "other", jobs);
        await using var host = await StartAsync();
        using var http = host.Client();
        var token = await DashboardHost.TokenAsync(http, "/failed");

        var form = new List<KeyValuePair<string, string>>
        {
            new("_af", token), new("act", "retry-selected"),
            new("selected", "1:" + Pool.Master.Web.Pages.FailedPage.Digest(entries[1])),
            new("selected", "3:" + Pool.Master.Web.Pages.FailedPage.Digest(entries[3])),
            new("selected", "4:0000000000000000"),
        };
        var retried = await http.PostAsync("/failed/action", new FormUrlEncodedContent(form));
        Assert.Contains("retried%202%20of%203", retried.Headers.Location!.OriginalString, StringComparison.Ordinal);
        var queued = (await db.ListRangeAsync(Keys.Queue("mail"))).Select(v => (string)v!).ToList();
        Assert.Equal(2, queued.Count);
        Assert.Contains(queued, q => q.Contains("\"Job3\"", StringComparison.Ordinal));
        Assert.Contains(queued, q => q.Contains("\"Job1\"", StringComparison.Ordinal));

        var deleted = await http.PostAsync("/queue/delete", new FormUrlEncodedContent(new Dictionary<string, string> { ["_af"] = token, ["name"] = "other", ["payload"] = jobs[1] }));
        Assert.Equal(HttpStatusCode.SeeOther, deleted.StatusCode);
        Assert.Equal([jobs[0], jobs[2]], (await db.ListRangeAsync(Keys.Queue("other"))).Select(v => (string)v!).ToArray());
        Assert.Contains("Clear queue", await DashboardHost.PageAsync(http, "/queue?name=other"), StringComparison.Ordinal);
        Assert.Contains("deletes all 2 jobs", await DashboardHost.PageAsync(http, "/queue/clear?name=other"), StringComparison.Ordinal);
        var cleared = await http.PostAsync("/queue/clear", new FormUrlEncodedContent(new Dictionary<string, string> { ["_af"] = token, ["name"] = "other" }));
        Assert.Contains("deleted%202%20jobs", cleared.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Equal(0, await db.ListLengthAsync(Keys.Queue("other")));
        Assert.True(await db.SetContainsAsync(Keys.Queues, "other"));
    }

    [Theory]
    [InlineData("<script>")]
    [InlineData("Ünïcode")]
    [InlineData("say \"hi\"")]
    public void A_filter_finds_text_a_JSON_writer_escaped_in_the_stored_entry(string error)
    {
        // .NET's serializer writes < as \u003C and non-ASCII as \uXXXX; Ruby writes quotes as \".
        var raw = DashboardData.Failed("Job", "mail", "before " + error + " after");
        var filter = new Pool.Protocol.Admin.FailedFilter(null, null, error);
        Assert.True(filter.MayMatch(raw));
        Assert.True(filter.Matches(Pool.Protocol.Admin.FailedJob.Parse(0, raw)));
        Assert.False(new Pool.Protocol.Admin.FailedFilter(null, null, "absent").MayMatch(raw));
    }

    internal static int CountOf(string text, string part) => (text.Length - text.Replace(part, "", StringComparison.Ordinal).Length) / part.Length;

    private static string Basic(string pair) => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(pair));

    private static Task<HttpResponseMessage> SendAsync(HttpClient http, string path, string authorization)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("Authorization", authorization);
        return http.SendAsync(request);
    }
}
