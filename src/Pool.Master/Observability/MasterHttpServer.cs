using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Pool.Master.Stores;
using Pool.Protocol.Admin;
using Pool.Protocol.Connection;
using Pool.Protocol.Keys;
using Serilog;
using StackExchange.Redis;

namespace Pool.Master.Observability;

/// <summary>
/// The optional HTTP endpoint of `pool-master run --http`: GET /status (JSON) and GET /metrics
/// (Prometheus text, see <see cref="MetricsExporter"/>), served by Kestrel. It shares the master's process, so what a client can
/// make it hold is capped: at most <see cref="MaxConnections"/> connections (past that Kestrel
/// closes new ones at once), each closed after <see cref="IdleTimeout"/> without a request, and
/// requests are answered one at a time, which bounds the load a scraper puts on Redis. Nothing
/// here can reach the supervisor: it reads the loop's published snapshot, /proc, and Redis
/// through its own connection, each Redis read bounded by <see cref="RedisTimeout"/> so a dead
/// Redis makes answers partial, never late.
/// </summary>
internal sealed class MasterHttpServer : IAsyncDisposable
{
    public static readonly TimeSpan RedisTimeout = TimeSpan.FromSeconds(1);

    /// <summary>Far above what a scraper and a few curls need, far below the master's 1,024 open files.</summary>
    public const int MaxConnections = 64;

    /// <summary>A connection that sends nothing for this long (between requests, or before its headers end) is closed.</summary>
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(10);

    private readonly WebApplication _app;
    private readonly Web.Dashboard? _dashboard;
    private readonly SnapshotBoard _board;
    private readonly ResqueKeys _keys;
    private readonly ILogger _log;
    private readonly MetricsSource _metricsSource;
    private readonly MetricsExporter _metrics;
    private readonly Task<ConnectionMultiplexer?> _redis;
    // One request at a time: bounds the Redis reads a client can cause, and one scrape's refresh cannot race another's export.
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);

    private MasterHttpServer(HttpAddress address, SnapshotBoard board, MasterCounters counters, string redisUrl, string ns, ILogger log)
    {
        _board = board;
        _keys = new ResqueKeys(ns);
        _log = log;
        _metricsSource = new MetricsSource(board, counters, ReadTotalsAsync);
        _metrics = new MetricsExporter(_metricsSource);
        _app = Build(address);
        // The dashboard first: its pages keep their own Redis budget and are not queued behind a scrape.
        _dashboard = Web.DashboardHook.TryMount(_app, address, redisUrl, ns, log);
        _app.Use(OneAtATimeAsync);
        _metrics.Map(_app, context => PathOf(context) == "/metrics" && IsRead(context), _metricsSource.RefreshAsync);
        _app.Run(HandleAsync);
        _redis = ConnectAsync(redisUrl, log);
        Address = address;
    }

    public HttpAddress Address { get; }

    /// <summary>Whether every request, /status and /metrics included, must carry credentials (the dashboard's auth).</summary>
    public bool Authenticates => _dashboard?.RequiresAuth == true;

    /// <summary>Binds now, so a taken port fails the start loudly; then serves in the background.</summary>
    /// <exception cref="IOException">The address cannot be bound.</exception>
    public static async Task<MasterHttpServer> StartAsync(string address, SnapshotBoard board, MasterCounters counters, string redisUrl, string ns, ILogger log)
    {
        var server = new MasterHttpServer(HttpAddress.Parse(address), board, counters, redisUrl, ns, log);
        try
        {
            await server._app.StartAsync().ConfigureAwait(false);
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        if (server._dashboard is { } dashboard) Web.DashboardHook.Announce(dashboard, server.Address, log);
        log.Information("serving /status and /metrics on {Prefix}", server.Address.ToString());
        return server;
    }

    /// <summary>Kestrel alone: no configuration files, no environment variables, no logging providers of its own.</summary>
    internal static WebApplication Build(HttpAddress address)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        Web.Dashboard.AddServices(builder.Services);
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxConcurrentConnections = MaxConnections;
            kestrel.Limits.MaxConcurrentUpgradedConnections = 0;
            kestrel.Limits.KeepAliveTimeout = IdleTimeout;
            kestrel.Limits.RequestHeadersTimeout = IdleTimeout;
            kestrel.Limits.MaxRequestBodySize = Web.Dashboard.MaxRequestBody;
            if (address.Host is { } ip) kestrel.Listen(ip, address.Port);
            else kestrel.ListenLocalhost(address.Port);
        });
        return builder.Build();
    }

    private static async Task<ConnectionMultiplexer?> ConnectAsync(string url, ILogger log)
    {
        try
        {
            // Like the master's store: keep retrying in the background while Redis is down.
            var options = RedisConnector.ProcessOptions(url, "pool-master-http");
            options.AsyncTimeout = (int)RedisTimeout.TotalMilliseconds;
            return await RedisConnector.ConnectAsync(options).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            log.Warning("the HTTP endpoint cannot use Redis at {Redis}: {Error}; /status and /metrics will lack Redis data", RedisUrl.Redact(url), e.Message);
            return null;
        }
    }

    private async Task OneAtATimeAsync(HttpContext context, RequestDelegate next)
    {
        await _oneAtATime.WaitAsync(context.RequestAborted).ConfigureAwait(false);
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // One bad request (a client that hung up, a failed write) never ends the endpoint.
            _log.Warning("HTTP {Path} failed: {Error}", context.Request.Path.Value, e.Message);
            context.Abort();
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    private static string PathOf(HttpContext context) => (context.Request.Path.Value ?? "").TrimEnd('/');

    private static bool IsRead(HttpContext context) => HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method);

    /// <summary>Everything but a GET or HEAD of /metrics, which <see cref="MetricsExporter"/> answers.</summary>
    private async Task HandleAsync(HttpContext context)
    {
        var response = context.Response;
        var path = PathOf(context);
        var head = HttpMethods.IsHead(context.Request.Method);
        if (!IsRead(context))
        {
            await WriteTextAsync(response, 405, "only GET\n", head).ConfigureAwait(false);
            return;
        }
        switch (path)
        {
            case "/status":
                var snapshot = _board.Current;
                var jobs = await ReadJobsAsync(snapshot).ConfigureAwait(false);
                var body = JsonSerializer.SerializeToUtf8Bytes(StatusDocument.Build(snapshot, jobs, DateTimeOffset.UtcNow), JsonOutput.Options);
                await WriteAsync(response, 200, "application/json; charset=utf-8", body, head).ConfigureAwait(false);
                break;
            default:
                await WriteTextAsync(response, 404, "not found; try /status or /metrics\n", head).ConfigureAwait(false);
                break;
        }
    }

    private async Task<IReadOnlyDictionary<string, CurrentJob?>?> ReadJobsAsync(MasterSnapshot snapshot)
    {
        if (await RedisAsync().ConfigureAwait(false) is not { } db) return null;
        // Every lane's: a worker with `concurrency: N` runs up to N jobs.
        var ids = snapshot.Workers.SelectMany(w => w.LaneIds).ToList();
        try
        {
            var reads = ids.Select(id => db.StringGetOrNullAsync(_keys.Worker(id))).ToList();
            await Task.WhenAll(reads).WaitAsync(RedisTimeout).ConfigureAwait(false);
            var now = DateTimeOffset.UtcNow;
            return ids.Select((id, i) => (id, job: PoolStatusReader.ParseJob(reads[i].Result, now)))
                .ToDictionary(x => x.id, x => x.job);
        }
        catch (Exception e) when (e is RedisException or TimeoutException || RedisClientFault.Is(e))
        {
            return null;
        }
    }

    private async Task<PoolStatus?> ReadTotalsAsync()
    {
        if (await RedisAsync().ConfigureAwait(false) is not { } db) return null;
        try
        {
            return await new PoolStatusReader(db, _keys).ReadTotalsAsync().WaitAsync(RedisTimeout).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException || RedisClientFault.Is(e))
        {
            return null;
        }
    }

    /// <summary>The database when the connection is up; null (at once) while it is still connecting or Redis is down.</summary>
    private async Task<IDatabase?> RedisAsync()
    {
        if (!_redis.IsCompleted) return null;
        var redis = await _redis.ConfigureAwait(false);
        return redis is { IsConnected: true } ? redis.GetDatabase() : null;
    }

    private static Task WriteTextAsync(HttpResponse response, int status, string text, bool head) =>
        WriteAsync(response, status, "text/plain; charset=utf-8", System.Text.Encoding.UTF8.GetBytes(text), head);

    private static async Task WriteAsync(HttpResponse response, int status, string contentType, byte[] body, bool head)
    {
        response.StatusCode = status;
        response.ContentType = contentType;
        response.ContentLength = body.Length;
        if (!head) await response.Body.WriteAsync(body).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await _app.StopAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _log.Warning("stopping the HTTP endpoint failed: {Error}", e.Message);
        }
        await _app.DisposeAsync().ConfigureAwait(false);
        if (_dashboard is not null) await _dashboard.DisposeAsync().ConfigureAwait(false);
        _metrics.Dispose();
        if (_redis.IsCompleted && await _redis.ConfigureAwait(false) is { } redis) await redis.DisposeAsync().ConfigureAwait(false);
        _oneAtATime.Dispose();
    }
}
