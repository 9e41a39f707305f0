using System.Net;
using System.Text.Json;
using Pool.Master.Cli.Commands;
using Pool.Protocol.Admin;
using Pool.Protocol.Connection;
using Pool.Protocol.Keys;
using Serilog;
using StackExchange.Redis;

namespace Pool.Master.Observability;

/// <summary>
/// The optional HTTP endpoint of `pool-master run --http`: GET /status (JSON) and GET /metrics
/// (Prometheus text), from one HttpListener on one background task. Requests are served one
/// at a time, which bounds the load a scraper can put on the master. It never touches the
/// supervisor: it reads the loop's published snapshot, /proc, and Redis through its own
/// connection, each Redis read bounded by <see cref="RedisTimeout"/> so a dead Redis makes
/// answers partial, never late.
/// </summary>
internal sealed class MasterHttpServer : IAsyncDisposable
{
    public static readonly TimeSpan RedisTimeout = TimeSpan.FromSeconds(1);

    private readonly HttpListener _listener = new();
    private readonly SnapshotBoard _board;
    private readonly MasterCounters _counters;
    private readonly ResqueKeys _keys;
    private readonly ILogger _log;
    private readonly MetricsExporter _metrics = new();
    private readonly Task<ConnectionMultiplexer?> _redis;
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;

    private MasterHttpServer(IReadOnlyList<string> prefixes, SnapshotBoard board, MasterCounters counters, string redisUrl, string ns, ILogger log)
    {
        foreach (var prefix in prefixes) _listener.Prefixes.Add(prefix);
        _board = board;
        _counters = counters;
        _keys = new ResqueKeys(ns);
        _log = log;
        _redis = ConnectAsync(redisUrl, log);
        Prefix = prefixes[0];
    }

    public string Prefix { get; }

    /// <summary>Binds now, so a taken port fails the start loudly; then serves in the background.</summary>
    /// <exception cref="HttpListenerException">The address cannot be bound.</exception>
    public static MasterHttpServer Start(string address, SnapshotBoard board, MasterCounters counters, string redisUrl, string ns, ILogger log)
    {
        var server = new MasterHttpServer(HttpAddress.ToPrefixes(address), board, counters, redisUrl, ns, log);
        server._listener.Start();
        server._loop = Task.Run(server.ServeAsync);
        log.Information("serving /status and /metrics on {Prefix}", server.Prefix);
        return server;
    }

    private static async Task<ConnectionMultiplexer?> ConnectAsync(string url, ILogger log)
    {
        try
        {
            var options = RedisUrl.Parse(url);
            // Like the master's store: keep retrying in the background while Redis is down.
            options.AbortOnConnectFail = false;
            options.AsyncTimeout = (int)RedisTimeout.TotalMilliseconds;
            return await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            log.Warning("the HTTP endpoint cannot use Redis at {Redis}: {Error}; /status and /metrics will lack Redis data", RedisUrl.Redact(url), e.Message);
            return null;
        }
    }

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                // The listener was closed by DisposeAsync.
                return;
            }
            try
            {
                await HandleAsync(context).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // One bad request (a client that hung up, a failed write) never ends the endpoint.
                _log.Warning("HTTP {Path} failed: {Error}", context.Request.Url?.AbsolutePath, e.Message);
                try { context.Response.Abort(); } catch (ObjectDisposedException) { }
            }
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var response = context.Response;
        var path = context.Request.Url?.AbsolutePath.TrimEnd('/') ?? "";
        if (context.Request.HttpMethod is not ("GET" or "HEAD"))
        {
            await WriteTextAsync(response, 405, "only GET\n").ConfigureAwait(false);
            return;
        }
        switch (path)
        {
            case "/status":
                var snapshot = _board.Current;
                var jobs = await ReadJobsAsync(snapshot).ConfigureAwait(false);
                var body = JsonSerializer.SerializeToUtf8Bytes(StatusDocument.Build(snapshot, jobs, DateTimeOffset.UtcNow), JsonOutput.Options);
                response.ContentType = "application/json; charset=utf-8";
                await WriteAsync(response, 200, body).ConfigureAwait(false);
                break;
            case "/metrics":
                var totals = await ReadTotalsAsync().ConfigureAwait(false);
                using (var buffer = new MemoryStream())
                {
                    await _metrics.WriteAsync(buffer, _board.Current, _counters, totals, _stop.Token).ConfigureAwait(false);
                    response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
                    await WriteAsync(response, 200, buffer.ToArray()).ConfigureAwait(false);
                }
                break;
            default:
                await WriteTextAsync(response, 404, "not found; try /status or /metrics\n").ConfigureAwait(false);
                break;
        }
    }

    private async Task<IReadOnlyDictionary<string, CurrentJob?>?> ReadJobsAsync(MasterSnapshot snapshot)
    {
        if (await RedisAsync().ConfigureAwait(false) is not { } db) return null;
        var ids = snapshot.Workers.Select(w => w.WorkerId).OfType<string>().ToList();
        try
        {
            var reads = ids.Select(id => db.StringGetAsync(_keys.Worker(id))).ToList();
            await Task.WhenAll(reads).WaitAsync(RedisTimeout).ConfigureAwait(false);
            var now = DateTimeOffset.UtcNow;
            return ids.Select((id, i) => (id, job: PoolStatusReader.ParseJob(reads[i].Result, now)))
                .ToDictionary(x => x.id, x => x.job);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
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
        catch (Exception e) when (e is RedisException or TimeoutException)
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

    private static Task WriteTextAsync(HttpListenerResponse response, int status, string text)
    {
        response.ContentType = "text/plain; charset=utf-8";
        return WriteAsync(response, status, System.Text.Encoding.UTF8.GetBytes(text));
    }

    private static async Task WriteAsync(HttpListenerResponse response, int status, byte[] body)
    {
        response.StatusCode = status;
        response.ContentLength64 = body.Length;
        await response.OutputStream.WriteAsync(body).ConfigureAwait(false);
        response.Close();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Close();
        await _loop.ConfigureAwait(false);
        if (_redis.IsCompleted && await _redis.ConfigureAwait(false) is { } redis) await redis.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }
}
