using Pool.Protocol.Connection;
using Pool.Settings;
using StackExchange.Redis;

namespace Pool.Worker.Hosting;

/// <summary>
/// The worker's main Redis connection, begun the moment the process starts. The client's set-up
/// (loading and preparing its types, the handshake, about 90 ms of a respawn's 190 on the
/// development VM) used to begin only after the command line was parsed, logging set up and the
/// job assembly loaded; now the two overlap. The URL is guessed from the raw arguments and the
/// environment, as the command line will resolve it; <see cref="Take"/> hands the connection
/// over only when the settings name the same URL, so a wrong guess costs only the head start.
/// </summary>
internal sealed class EarlyConnection : IAsyncDisposable
{
    private readonly string _url;
    private Task<ConnectionMultiplexer>? _connecting;

    /// <summary>Sentinel notices (the primary moved) go here once the worker's log exists; before that they are dropped.</summary>
    public Action<string>? Notice { get; set; }

    private EarlyConnection(string url)
    {
        _url = url;
        // Off this thread: the client's connect runs a good part of its work before its first await.
        _connecting = Task.Run(() => ConnectAsync(url, "pool-worker", TimeSpan.FromSeconds(5), notice => Notice?.Invoke(notice)));
    }

    /// <summary>
    /// Starts connecting, unless the arguments ask for no worker (--check, --help). The URL is
    /// read on the pool thread too (the client's options are 18 ms of cold code): one that is
    /// not valid fails that task, which is never taken, since the settings refuse the URL with
    /// their own message first.
    /// </summary>
    public static EarlyConnection? Start(IReadOnlyList<string> args) =>
        GuessUrl(args, Environment.GetEnvironmentVariable) is { } url ? new EarlyConnection(url) : null;

    /// <summary>The connection, if it was begun for <paramref name="url"/>; else null, and the early one is closed.</summary>
    public Task<ConnectionMultiplexer>? Take(string url)
    {
        if (url != _url)
        {
            _ = DisposeAsync();
            return null;
        }
        return Interlocked.Exchange(ref _connecting, null);
    }

    /// <summary>
    /// Closes a connection nobody took (the worker stopped before it ran, or its settings named
    /// another URL), once it is made: a worker that exits at once (a bad setting while Redis is
    /// down) must not wait out the client's connect timeout for it.
    /// </summary>
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _connecting, null) is { } connecting)
            _ = connecting.ContinueWith(done =>
            {
                if (done.IsCompletedSuccessfully) done.Result.Dispose();
                else _ = done.Exception; // observed: nothing was held on it
            }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return ValueTask.CompletedTask;
    }

    /// <summary>The URL pool-worker's --redis, REDIS_URL or the default will give; null when the arguments ask for no worker or are not plain.</summary>
    internal static string? GuessUrl(IReadOnlyList<string> args, Func<string, string?> env)
    {
        string? given = null;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            // No worker runs (--check, help, version), or System.CommandLine reads more arguments from a file.
            if (arg is "--check" or "--help" or "-h" or "-?" or "--version" || arg.StartsWith('@')) return null;
            if (arg == "--redis") given = i + 1 < args.Count ? args[++i] : null;
            else if (arg.StartsWith("--redis=", StringComparison.Ordinal) || arg.StartsWith("--redis:", StringComparison.Ordinal)) given = arg["--redis=".Length..];
        }
        return given ?? RedisUrl.FromEnvironment(env(PoolVariables.RedisUrl));
    }

    private static readonly CommandMap NoPubSub = CommandMap.Create(["SUBSCRIBE", "PSUBSCRIBE", "UNSUBSCRIBE", "PUNSUBSCRIBE"], available: false);

    /// <summary>A worker's connection: its name, timeouts and retries; no pub/sub socket unless it follows Sentinel.</summary>
    internal static async Task<ConnectionMultiplexer> ConnectAsync(string url, string name, TimeSpan timeout, Action<string>? notice = null)
    {
        var options = RedisConnector.ProcessOptions(url, name);
        options.AsyncTimeout = options.SyncTimeout = (int)timeout.TotalMilliseconds;
        options.ConnectRetry = 3;
        options.ReconnectRetryPolicy = new LinearRetry(200);
        // A Sentinel connection keeps the client's own ways: it follows failovers by pub/sub.
        if (options.ServiceName is not null) return await RedisConnector.ConnectAsync(options, notice).ConfigureAwait(false);
        // The worker never subscribes. Without SUBSCRIBE in the command map the client opens no
        // second (pub/sub) socket beside each connection: half the handshakes between a respawn
        // and its first reserve.
        options.CommandMap = NoPubSub;
        // The client cleans its name and its library's name with a RegexOptions.Compiled regex
        // each, compiled to IL at the first handshake: about 12 ms of a respawn's path to its
        // registration. So it is given a blank name, which it sends nothing for, and no library
        // name (CLIENT SETINFO), and the worker names the connection itself, first thing on it
        // and again after every reconnect, so CLIENT LIST still shows "pool-worker".
        options.ClientName = " ";
        options.SetClientLibrary = false;
        var redis = await RedisConnector.ConnectAsync(options, notice).ConfigureAwait(false);
        redis.ConnectionRestored += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Interactive) SetName(redis, name);
        };
        SetName(redis, name);
        return redis;
    }

    private static void SetName(ConnectionMultiplexer redis, string name) =>
        _ = redis.GetDatabase().ExecuteAsync("CLIENT", ["SETNAME", name], CommandFlags.FireAndForget);
}
