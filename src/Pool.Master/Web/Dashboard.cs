using System.Text.Json;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Mono.Unix.Native;
using Pool.Master.Processes;
using Pool.Master.Stores;
using Pool.Master.Web.Pages;
using Pool.Protocol.Admin;
using Pool.Protocol.Keys;
using Serilog;
using StackExchange.Redis;

namespace Pool.Master.Web;

/// <summary>
/// The web dashboard, mounted on a Kestrel <see cref="WebApplication"/>: its own for
/// `pool-master web`, or the master's HTTP endpoint beside /status and /metrics. Pages are
/// rendered on the server (readable without JavaScript); assets are embedded in the assembly.
/// Every request passes the auth gate and gets a strict CSP; every change is a POST checked for
/// read-only mode, origin and anti-forgery token (see <see cref="PageRunner.ActAsync"/>).
/// </summary>
internal sealed class Dashboard : IAsyncDisposable
{
    /// <summary>Forms are small: a page's selected failed entries, or one job's payload to delete.</summary>
    public const long MaxRequestBody = 1024 * 1024;

    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    private static readonly TimeSpan SampleEvery = TimeSpan.FromSeconds(10);

    private readonly DashboardRedis _redis;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampler;

    /// <summary>Whether its auth gate (which also covers /status and /metrics) asks every request for credentials.</summary>
    public bool RequiresAuth => Options.Auth != DashboardAuth.None;

    /// <summary>How it is served: auth, read-only, path base.</summary>
    public required DashboardOptions Options { get; init; }

    private Dashboard(DashboardRedis redis, ResqueKeys keys, ILogger log)
    {
        _redis = redis;
        _sampler = SampleAsync(keys, log, _stop.Token);
    }

    public static void AddServices(IServiceCollection services)
    {
        services.AddLogging();
        services.AddRouting();
        // Keys live in memory: a restart makes open forms stale (they say so), nothing is written to disk.
        services.AddDataProtection().UseEphemeralDataProtectionProvider();
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "pool_antiforgery";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.FormFieldName = "_af";
            o.HeaderName = null;
        });
    }

    /// <summary>Adds the auth gate, security headers and the dashboard's routes to <paramref name="app"/>; requests no route takes fall through to what comes after.</summary>
    public static Dashboard Mount(WebApplication app, DashboardOptions options, ILogger log)
    {
        var keys = new ResqueKeys(options.Namespace);
        var redis = new DashboardRedis(options.RedisUrl);
        var gate = new AuthGate(options);
        app.Use(async (context, next) =>
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "same-origin";
            headers.XFrameOptions = "DENY";
            if (!gate.Allows(context.Request)) await gate.ChallengeAsync(context).ConfigureAwait(false);
            else await next(context).ConfigureAwait(false);
        });
        var antiforgery = app.Services.GetRequiredService<IAntiforgery>();
        var runner = new PageRunner(new Layout(options, antiforgery), redis, antiforgery, log);
        if (options.PathBase.Length == 0)
        {
            app.UseRouting();
            Map(app, runner, keys);
            app.UseEndpoints(_ => { });
        }
        else
        {
            // A branch, not UsePathBase: that one strips the prefix where it is present and lets
            // every other path through, so the pages also answered without it, in front of a
            // proxy that was meant to be the only way in. Outside the prefix only what comes
            // after the dashboard (the master's /status and /metrics) answers.
            app.Map(options.PathBase, branch =>
            {
                branch.UseRouting();
                branch.UseEndpoints(endpoints => Map(endpoints, runner, keys));
            });
        }
        return new Dashboard(redis, keys, log) { Options = options };
    }

    private static void Map(IEndpointRouteBuilder app, PageRunner run, ResqueKeys keys)
    {
        var layout = run.Layout;
        var latency = new QueueLatency();
        var overview = new OverviewPage(keys, latency, new QueueSummaryCache(keys, TimeProvider.System));
        var queues = new QueuesPage(keys, latency);
        var workers = new WorkersPage(keys);
        var masters = new MastersPage(keys);
        var failed = new FailedPage(keys);
        var scheduled = new ScheduledPage(keys);
        var retries = new RetriesPage(keys);
        var recurring = new RecurringPage(keys, layout.Options.Recurring);

        app.MapGet("/", Page(run, "Overview", "Overview", async (db, ctx) => overview.Render(await overview.ReadAsync(db).ConfigureAwait(false), layout, ctx)));
        app.MapGet("/api/stats", ctx => StatsAsync(ctx, run, overview));
        app.MapGet("/queues", Page(run, "Queues", "Queues", (db, ctx) => queues.ListAsync(db, ctx, layout)));
        app.MapGet("/queue", Page(run, "Queue", "Queues", (db, ctx) => queues.QueueAsync(db, ctx, layout, ctx.Request.Query["name"].ToString())));
        app.MapGet("/queue/clear", Page(run, "Clear queue", "Queues", (db, ctx) => queues.ConfirmClearAsync(db, ctx, layout, ctx.Request.Query["name"].ToString())));
        app.MapGet("/workers", Page(run, "Workers", "Workers", (db, ctx) => workers.RenderAsync(db, ctx, layout)));
        app.MapGet("/masters", Page(run, "Masters", "Masters", (db, ctx) => masters.RenderAsync(db, ctx, layout)));
        app.MapGet("/failed", Page(run, "Failed", "Failed", (db, ctx) => failed.RenderAsync(db, ctx, layout)));
        app.MapGet("/failed/bulk", Page(run, "Bulk action", "Failed", (db, ctx) => failed.ConfirmBulkAsync(db, ctx, layout)));
        app.MapGet("/scheduled", Page(run, "Scheduled", "Scheduled", (db, ctx) => scheduled.RenderAsync(db, ctx, layout)));
        app.MapGet("/scheduled/confirm", Page(run, "Confirm", "Scheduled", (db, ctx) => scheduled.ConfirmAsync(db, ctx, layout)));
        app.MapGet("/retries", Page(run, "Retries", "Retries", (db, ctx) => retries.RenderAsync(db, ctx, layout)));
        app.MapGet("/recurring", Page(run, "Recurring", "Recurring", (db, ctx) => recurring.RenderAsync(db, ctx, layout)));
        app.MapGet("/assets/{file}", (HttpContext ctx, string file) => Assets.ServeAsync(ctx, file));

        app.MapPost("/queues/pause", Act(run, "/queues", async (db, form) =>
        {
            await new PauseControl(db, keys).PauseQueuesAsync([form["queue"].ToString()]).ConfigureAwait(false);
            return $"paused queue {form["queue"]} (Pool workers skip it until resumed)";
        }));
        app.MapPost("/queues/resume", Act(run, "/queues", async (db, form) =>
        {
            await new PauseControl(db, keys).ResumeQueuesAsync([form["queue"].ToString()]).ConfigureAwait(false);
            return $"resumed queue {form["queue"]}";
        }));
        app.MapPost("/queue/delete", Act(run, "/queues", async (db, form) =>
            await new QueueBrowser(db, keys).DeleteJobAsync(form["name"].ToString(), form["payload"].ToString()).ConfigureAwait(false)
                ? "deleted 1 job" : "that job is no longer in the queue (a worker took it?); nothing was deleted"));
        app.MapPost("/queue/clear", Act(run, "/queues", async (db, form) =>
            $"cleared queue {form["name"]}: deleted {Format.Count(await new QueueBrowser(db, keys).ClearAsync(form["name"].ToString()).ConfigureAwait(false))} jobs"));
        app.MapPost("/failed/action", Act(run, "/failed", (db, form) => failed.ActAsync(db, form)));
        app.MapPost("/scheduled/action", Act(run, "/scheduled", scheduled.ActAsync));
        app.MapPost("/retries/action", Act(run, "/retries", retries.ActAsync));
        app.MapPost("/recurring/run", Act(run, "/recurring", recurring.RunAsync));
        app.MapPost("/masters/signal", Act(run, "/masters", (_, form) => Task.FromResult(Signal(layout.Options, form["signal"].ToString()))));
    }

    private static RequestDelegate Page(PageRunner run, string title, string tab, Func<IDatabase, HttpContext, Task<RawHtml>> body) =>
        ctx => run.PageAsync(ctx, title, tab, body);

    private static RequestDelegate Act(PageRunner run, string back, Func<IDatabase, IFormCollection, Task<string>> act) =>
        ctx => run.ActAsync(ctx, back, act);

    /// <summary>Sends a safe signal to the master this dashboard runs in; any other master is out of reach by design.</summary>
    private static string Signal(DashboardOptions options, string name)
    {
        if (options.LocalMasterPid != Environment.ProcessId)
            throw new ArgumentException("this dashboard does not run inside a pool-master; signal a master from its own dashboard or with kill");
        Signum? signal = name switch
        {
            "HUP" => Signum.SIGHUP,
            "TTIN" => Signum.SIGTTIN,
            "TTOU" => Signum.SIGTTOU,
            "QUIT" => Signum.SIGQUIT,
            _ => null,
        };
        if (signal is not { } s) throw new ArgumentException($"{name} is not one of {string.Join(", ", MastersPage.SafeSignals)}");
        return ProcessSignals.Send(Environment.ProcessId, s) ? $"sent {name} to this master (pid {Environment.ProcessId})" : $"sending {name} failed";
    }

    /// <summary>The overview's numbers and chart points as JSON, for the page's script; 503 with an error field when Redis does not answer.</summary>
    private static async Task StatsAsync(HttpContext context, PageRunner run, OverviewPage overview)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        try
        {
            if (await run.Redis.DatabaseAsync(context.RequestAborted).ConfigureAwait(false) is not { } db) throw new TimeoutException();
            var d = await overview.ReadAsync(db).WaitAsync(DashboardRedis.Budget, context.RequestAborted).ConfigureAwait(false);
            var last = d.Minutes.Count > 0 ? d.Minutes[^1] : null;
            await JsonSerializer.SerializeAsync(context.Response.Body, new Dictionary<string, object>
            {
                ["processed"] = d.Totals.Processed,
                ["failed"] = d.Totals.Failed,
                ["failed_list"] = d.Totals.FailedListLength,
                ["enqueued"] = d.Queues.Jobs,
                ["busy"] = d.Busy,
                ["idle"] = d.Workers - d.Busy,
                ["workers"] = d.Workers,
                ["queues"] = d.Queues.Queues,
                ["rate_processed"] = last?.Processed ?? 0,
                ["rate_failed"] = last?.Failed ?? 0,
                ["now"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
                ["minutes"] = d.Minutes.Select(p => new long[] { p.From.ToUnixTimeMilliseconds(), p.Processed, p.Failed }).ToList(),
            }, cancellationToken: context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or RedisException || RedisClientFault.Is(e) || (e is OperationCanceledException && !context.RequestAborted.IsCancellationRequested))
        {
            context.Response.StatusCode = 503;
            await context.Response.WriteAsync("{\"error\":\"redis is not answering\"}", context.RequestAborted).ConfigureAwait(false);
        }
    }

    /// <summary>Keeps the per-minute and per-day history going while a dashboard runs, even with no master sampling.</summary>
    private async Task SampleAsync(ResqueKeys keys, ILogger log, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(SampleEvery);
        var warned = false;
        do
        {
            try
            {
                if (_redis.Database is { } db)
                {
                    await new StatsHistory(db, keys).SampleAsync().WaitAsync(DashboardRedis.Budget, ct).ConfigureAwait(false);
                    warned = false;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
            {
                // Any failure (StackExchange.Redis can also throw its pipe reader's
                // InvalidOperationException): the sampler is a side task and never ends, nor throws
                // into the dashboard's disposal.
                if (!warned) log.Warning("the dashboard cannot record job history: {Error}", e.GetType().Name);
                warned = true;
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
        while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _sampler.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
        await _redis.DisposeAsync().ConfigureAwait(false);
    }
}
