using Pool.Master.Tests.Ops;
using Pool.Protocol.Admin;
using Pool.Protocol.Keys;
using Pool.Protocol.Payloads;
using Pool.Testing;
using PuppeteerSharp;
using StackExchange.Redis;

namespace Pool.Master.Tests.Web;

/// <summary>
/// One headless Debian chromium (launched once for the class) and one dashboard over a seeded
/// namespace, shared by the browser tests. scripts/test.sh installs chromium.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string Chromium = "/usr/bin/chromium";

    private readonly RedisFixture _redis = new();
    private DashboardHost? _host;

    public string Ns { get; } = RedisServer.NewNamespace("browser");
    public ResqueKeys Keys => new(Ns);
    public IDatabase Db => _redis.Server.Db;
    public IBrowser Browser { get; private set; } = null!;
    public string BaseUrl => _host!.BaseUrl;

    /// <summary>Where screenshots go: beside the test assembly, under screenshots/.</summary>
    public static string Shots { get; } = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "screenshots")).FullName;

    public async ValueTask InitializeAsync()
    {
        await SeedAsync();
        _host = await DashboardHost.StartAsync(_redis.Server.Url, Ns, localMasterPid: Environment.ProcessId, schedule: Schedule);
        Browser = await Puppeteer.LaunchAsync(new LaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            // Root in a container: chromium's sandbox needs user namespaces it may not get.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
            DefaultViewport = new ViewPortOptions { Width = 1280, Height = 860 },
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null) await Browser.CloseAsync();
        if (_host is not null) await _host.DisposeAsync();
        _redis.Dispose();
    }

    /// <summary>The recurring entries the dashboard shows (as pool.yml's schedule: would give them).</summary>
    public static IReadOnlyList<global::Pool.Master.Config.ScheduleEntry> Schedule { get; } =
    [
        DashboardData.Every("heartbeat", "30s", "Heartbeat", "ops", "[]", "tells the monitoring we are alive"),
        DashboardData.Every("nightly_report", "1d", "NightlyReport", "low", "[7,\"full\"]", "the nightly report"),
        DashboardData.Every("cleanup", "1h", "CleanupJob", "low"),
    ];

    /// <summary>A small but lifelike pool: queues, a paused one, busy and idle workers of two kinds, a master, failures, an hour of history.</summary>
    private async Task SeedAsync()
    {
        var db = Db;
        var k = Keys;
        await DashboardData.QueueAsync(db, k, "mail", Enumerable.Range(1, 40).Select(i => DashboardData.Job("SendWelcomeMail", i, "user" + i + "@example.com")).ToArray());
        await DashboardData.QueueAsync(db, k, "reports", DashboardData.Job("MonthlyReport", "2026-11"), DashboardData.Job("MonthlyReport", "2026-10"));
        await DashboardData.QueueAsync(db, k, "images", Enumerable.Range(1, 7).Select(i => DashboardData.Job("Thumbnail", i)).ToArray());
        await DashboardData.QueueAsync(db, k, "low");
        await db.SetAddAsync(k.PausedQueues, "reports");

        var now = DateTimeOffset.UtcNow;
        string[] workers = ["web-1:4101:mail,images", "web-1:4102:mail,images", "web-2:5230:reports", "ruby-1:777:low"];
        await db.SetAddAsync(k.Workers, workers.Select(w => (RedisValue)w).ToArray());
        await db.SetAddAsync(k.PoolWorkers, workers[..3].Select(w => (RedisValue)w).ToArray());
        foreach (var w in workers[..2]) await db.StringSetAsync(k.Lease(w), "1", TimeSpan.FromMinutes(10));
        await db.StringSetAsync(k.Worker(workers[0]), $$$"""{"queue":"mail","run_at":"{{{ResqueTime.Iso(now.AddSeconds(-42))}}}","payload":{"class":"SendWelcomeMail","args":[7,"user7@example.com"]}}""");
        await db.StringSetAsync(k.Worker(workers[3]), $$$"""{"queue":"low","run_at":"{{{ResqueTime.Iso(now.AddMinutes(-3))}}}","payload":{"class":"CleanupJob","args":[]}}""");
        await db.HashSetAsync(k.Heartbeats, workers[3], ResqueTime.Iso(now.AddMinutes(-9)));

        await new MasterRegistry(db, k).PublishAsync(new MasterRecord(Protocol.Recovery.WorkerIdentity.Host + ":" + Environment.ProcessId,
            Protocol.Recovery.WorkerIdentity.Host, Environment.ProcessId, now.AddHours(-5), now, "running", 3, 48 << 20,
        [
            new MasterChild("mail,images", 1, 4101, workers[0], "running", now.AddHours(-5), 61 << 20, 0, false, null),
            new MasterChild("mail,images", 2, 4102, workers[1], "running", now.AddMinutes(-12), 58 << 20, 3, false, null),
            new MasterChild("reports", 1, null, null, "backoff", null, null, 5, true, now.AddSeconds(20)),
        ]), TimeSpan.FromMinutes(10));

        string[] classes = ["SendWelcomeMail", "Thumbnail", "MonthlyReport"];
        string[] errors = ["Net::ReadTimeout: smtp.example.com", "ImageMagick: corrupt JPEG data", "PG::ConnectionBad: could not connect"];
        var failed = Enumerable.Range(0, 60).Select(i => (RedisValue)DashboardData.Failed(classes[i % 3], i % 3 == 0 ? "mail" : i % 3 == 1 ? "images" : "reports", errors[i % 3], i)).ToArray();
        await db.ListRightPushAsync(k.Failed, failed);
        await db.ListRightPushAsync(k.Failed, DashboardData.Failed("<script>alert('x')</script>", "mail", "<b>not bold</b>"));

        // Delayed jobs over the next days, and three pending retries (resque-scheduler and resque-retry formats).
        var delayed = new Pool.Protocol.Scheduling.DelayedQueue(db, new Pool.Protocol.Scheduling.SchedulerKeys(k));
        for (var i = 0; i < 14; i++)
            await delayed.EnqueueAtAsync(now.AddMinutes(7 + i * 53), i % 3 == 0 ? "reports" : "mail", i % 3 == 0 ? "MonthlyReport" : "SendReminderMail", i % 3 == 0 ? "2026-12" : "user" + i + "@example.com", i);
        await DashboardData.RetryAsync(db, k, now.AddSeconds(50), "images", "Thumbnail", 0, "ImageMagick: corrupt JPEG data", 31);
        await DashboardData.RetryAsync(db, k, now.AddMinutes(4), "mail", "SendWelcomeMail", 2, "Net::ReadTimeout: smtp.example.com", 12, "user12@example.com");
        await DashboardData.RetryAsync(db, k, now.AddMinutes(58), "reports", "MonthlyReport", 4, "PG::ConnectionBad: could not connect", "2026-11");

        var history = k.MinuteHistory;
        var minute = now.ToUnixTimeSeconds() / 60;
        long processed = 100_000, fails = 400;
        for (var m = minute - 60; m <= minute; m++)
        {
            processed += 900 + (long)(400 * Math.Sin(m / 6.0)) + (m % 7) * 30;
            fails += m % 9 == 0 ? 40 : 4;
            await db.SortedSetAddAsync(history, $"{m}:{processed}:{fails}", m);
        }
        await db.StringSetAsync(k.StatProcessed, processed);
        await db.StringSetAsync(k.StatFailed, fails);
    }
}

[Collection(OpsRedis.Name)]
public sealed class DashboardBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    /// <summary>Opens a page, recording every console error, page error and failed request (a CSP violation is a console error).</summary>
    private async Task<(IPage Page, List<string> Errors)> OpenAsync(string path)
    {
        var page = await browser.Browser.NewPageAsync();
        var errors = new List<string>();
        page.Console += (_, e) => { if (e.Message.Type == ConsoleType.Error) lock (errors) errors.Add("console: " + e.Message.Text + " " + e.Message.Location?.URL); };
        page.PageError += (_, e) => { lock (errors) errors.Add("page: " + e.Message); };
        page.RequestFailed += (_, e) => { lock (errors) errors.Add("request: " + e.Request.Url); };
        var response = await page.GoToAsync(browser.BaseUrl + path, WaitUntilNavigation.Load);
        Assert.True(response.Ok, $"{path} answered {response.Status}");
        return (page, errors);
    }

    [Fact]
    public async Task Every_page_loads_without_a_browser_error_and_is_saved_as_a_screenshot()
    {
        foreach (var (path, name) in new[]
        {
            ("/", "overview"), ("/queues", "queues"), ("/queue?name=mail", "queue"), ("/workers", "workers"),
            ("/masters", "masters"), ("/failed", "failed"), ("/failed/bulk?op=retry&class=Thumbnail", "failed-bulk"),
            ("/scheduled", "scheduled"), ("/retries", "retries"), ("/recurring", "recurring"),
        })
        {
            var (page, errors) = await OpenAsync(path);
            await using (page)
            {
                Assert.NotNull(await page.QuerySelectorAsync("main h1"));
                // The script ran (the select-all box or the chart script found its elements) and nothing was blocked.
                Assert.Equal("complete", await page.EvaluateExpressionAsync<string>("document.readyState"));
                await page.ScreenshotAsync(Path.Combine(BrowserFixture.Shots, name + ".png"), new ScreenshotOptions { FullPage = true });
                Assert.Empty(errors);
            }
        }
    }

    [Fact]
    public async Task The_overview_chart_is_redrawn_live_from_api_stats()
    {
        var (page, errors) = await OpenAsync("/");
        await using (page)
        {
            var before = await page.EvaluateExpressionAsync<string>("document.querySelector('polyline.processed').getAttribute('points')");
            Assert.False(string.IsNullOrWhiteSpace(before));
            await browser.Db.StringIncrementAsync(browser.Keys.StatProcessed, 5);
            var expected = (long)await browser.Db.StringGetAsync(browser.Keys.StatProcessed);
            await page.WaitForFunctionAsync($"() => document.querySelector('[data-stat=processed]').textContent.replace(/,/g, '') === '{expected}'",
                new WaitForFunctionOptions { Timeout = 15_000 });
            Assert.Empty(errors);
        }
    }

    [Fact]
    public async Task Retry_and_remove_buttons_and_the_filter_work_in_the_browser()
    {
        var (page, errors) = await OpenAsync("/failed");
        await using (page)
        {
            await page.TypeAsync("#failed-filter input[name=class]", "Thumbnail");
            await Task.WhenAll(page.WaitForNavigationAsync(), page.ClickAsync("#failed-filter button[type=submit]"));
            var classes = await page.EvaluateExpressionAsync<string[]>("[...document.querySelectorAll('tr[data-failed] td:nth-child(4)')].map(td => td.textContent)");
            Assert.NotEmpty(classes);
            Assert.All(classes, c => Assert.Equal("Thumbnail", c));

            var queued = await browser.Db.ListLengthAsync(browser.Keys.Queue("images"));
            await Task.WhenAll(page.WaitForNavigationAsync(), page.ClickAsync("tr[data-failed] button[value^='retry:']"));
            Assert.Contains("retried 1 job to images", await page.EvaluateExpressionAsync<string>("document.querySelector('.flash').textContent"));
            Assert.Equal(queued + 1, await browser.Db.ListLengthAsync(browser.Keys.Queue("images")));
            await page.ScreenshotAsync(Path.Combine(BrowserFixture.Shots, "failed-after-retry.png"));

            var before = await browser.Db.ListLengthAsync(browser.Keys.Failed);
            await Task.WhenAll(page.WaitForNavigationAsync(), page.ClickAsync("tr[data-failed] button[value^='remove:']"));
            // Only this action's message, not the retry's before it.
            Assert.Equal("removed 1 entry", await page.EvaluateExpressionAsync<string>("document.querySelector('.flash').textContent"));
            Assert.Equal(before - 1, await browser.Db.ListLengthAsync(browser.Keys.Failed));
            // The filter survived the redirect.
            Assert.Equal("Thumbnail", await page.EvaluateExpressionAsync<string>("document.querySelector('#failed-filter input[name=class]').value"));
            Assert.Empty(errors);
        }
    }

    [Fact]
    public async Task Pausing_a_queue_from_the_queues_page_marks_it_paused()
    {
        var (page, errors) = await OpenAsync("/queues");
        await using (page)
        {
            await Task.WhenAll(page.WaitForNavigationAsync(), page.ClickAsync("tr[data-queue='images'] button"));
            Assert.True(await browser.Db.SetContainsAsync(browser.Keys.PausedQueues, "images"));
            Assert.Equal("paused", await page.EvaluateExpressionAsync<string>("document.querySelector(\"tr[data-queue='images'] td:nth-child(4)\").textContent"));
            await Task.WhenAll(page.WaitForNavigationAsync(), page.ClickAsync("tr[data-queue='images'] button"));
            Assert.False(await browser.Db.SetContainsAsync(browser.Keys.PausedQueues, "images"));
            Assert.Empty(errors);
        }
    }

    [Fact]
    public async Task A_delayed_job_is_removed_after_its_confirmation_page()
    {
        var (page, errors) = await OpenAsync("/scheduled");
        await using (page)
        {
            // A plain delayed job (the pending retries are delayed jobs too, and show here as well).
            var id = await page.EvaluateExpressionAsync<string>("[...document.querySelectorAll('tr[data-delayed]')].find(tr => tr.cells[3].textContent === 'SendReminderMail').dataset.delayed");
            var delayed = new Pool.Protocol.Scheduling.DelayedQueue(browser.Db, new Pool.Protocol.Scheduling.SchedulerKeys(browser.Keys));
            Assert.NotNull(await Pool.Master.Web.Pages.DelayedIds.FindAsync(delayed, id));
            await Task.WhenAll(page.WaitForNavigationAsync(), page.ClickAsync($"tr[data-delayed='{id}'] a.button.danger"));
            Assert.Contains("Remove this delayed job?", await page.EvaluateExpressionAsync<string>("document.querySelector('main h1').textContent"));
            Assert.NotNull(await Pool.Master.Web.Pages.DelayedIds.FindAsync(delayed, id));
            await page.ScreenshotAsync(Path.Combine(BrowserFixture.Shots, "scheduled-confirm.png"));
            await Task.WhenAll(page.WaitForNavigationAsync(), page.ClickAsync("#scheduled-confirm button[type=submit]"));
            Assert.Equal("removed 1 delayed job", await page.EvaluateExpressionAsync<string>("document.querySelector('.flash').textContent"));
            Assert.Null(await Pool.Master.Web.Pages.DelayedIds.FindAsync(delayed, id));
            Assert.Empty(errors);
        }
    }

    [Fact]
    public async Task Retry_now_moves_a_pending_retry_to_its_queue()
    {
        var (page, errors) = await OpenAsync("/retries");
        await using (page)
        {
            var queue = await page.EvaluateExpressionAsync<string>("document.querySelector('tr[data-retry] td:nth-child(4)').textContent");
            var before = await browser.Db.ListLengthAsync(browser.Keys.Queue(queue));
            await Task.WhenAll(page.WaitForNavigationAsync(), page.ClickAsync("tr[data-retry] button[value^='now:']"));
            Assert.Equal("retrying 1 job now", await page.EvaluateExpressionAsync<string>("document.querySelector('.flash').textContent"));
            Assert.Equal(before + 1, await browser.Db.ListLengthAsync(browser.Keys.Queue(queue)));
            Assert.Empty(errors);
        }
    }

    [Fact]
    public async Task Run_now_enqueues_one_run_of_a_recurring_entry()
    {
        var (page, errors) = await OpenAsync("/recurring");
        await using (page)
        {
            var before = await browser.Db.ListLengthAsync(browser.Keys.Queue("low"));
            await Task.WhenAll(page.WaitForNavigationAsync(), page.ClickAsync("tr[data-schedule='nightly_report'] button"));
            Assert.Contains("enqueued NightlyReport on low", await page.EvaluateExpressionAsync<string>("document.querySelector('.flash').textContent"));
            Assert.Equal(before + 1, await browser.Db.ListLengthAsync(browser.Keys.Queue("low")));
            Assert.Equal("{\"class\":\"NightlyReport\",\"args\":[7,\"full\"]}", (string?)await browser.Db.ListGetByIndexAsync(browser.Keys.Queue("low"), -1));
            Assert.True(await browser.Db.HashExistsAsync(new Pool.Protocol.Scheduling.SchedulerKeys(browser.Keys).LastEnqueuedAt, "nightly_report"));
            Assert.NotEqual("never", await page.EvaluateExpressionAsync<string>("document.querySelector(\"tr[data-schedule='nightly_report'] td:nth-child(7)\").textContent"));
            Assert.Empty(errors);
        }
    }
}
