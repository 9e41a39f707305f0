using Pool.Protocol.Connection;
using Pool.Protocol.Scheduling;
using Serilog;
using StackExchange.Redis;

namespace Pool.Master.Scheduling;

/// <summary>
/// Runs the scheduler beside the supervisor, on a Redis connection of its own (a slow move never
/// delays a recovery), from the master's start until its drain is done. Stopping cancels the
/// loop and gives the lease back, bounded, before the master logs its exit line.
/// </summary>
internal sealed class SchedulerHost : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _run;
    private readonly ILogger _log;
    private volatile DelayedScheduler? _scheduler;
    private ConnectionMultiplexer? _redis;

    /// <summary>The running scheduler, for /status and /metrics; null when it is off.</summary>
    public static SchedulerHost? Current { get; private set; }

    private static readonly TimeSpan StopBound = TimeSpan.FromSeconds(3);

    private SchedulerHost(string redisUrl, string ns, SchedulerOptions options, ILogger log)
    {
        _log = log;
        _run = Task.Run(() => RunAsync(redisUrl, ns, options));
    }

    public SchedulerState State => _scheduler?.State ?? SchedulerState.Off;

    /// <summary>Starts the scheduler unless POOL_SCHEDULER=off; a bad scheduler variable is logged and leaves it off, never the pool.</summary>
    public static SchedulerHost? Start(string redisUrl, string ns, IReadOnlyDictionary<string, string?> env, ILogger log)
    {
        SchedulerOptions options;
        try
        {
            options = SchedulerOptions.FromEnvironment(env);
        }
        catch (FormatException e)
        {
            log.Error("scheduler not started: {Error}", e.Message);
            return null;
        }
        if (!options.Enabled)
        {
            log.Information("scheduler off (POOL_SCHEDULER=off): this master moves no delayed jobs");
            return null;
        }
        return Current = new SchedulerHost(redisUrl, ns, options, log);
    }

    /// <summary>Connects in the background (the master's start never waits for Redis), then runs the loop until stopped.</summary>
    private async Task RunAsync(string redisUrl, string ns, SchedulerOptions options)
    {
        try
        {
            var config = RedisUrl.Parse(redisUrl);
            config.AbortOnConnectFail = false;
            config.ClientName = "pool-scheduler";
            var redis = _redis = await ConnectionMultiplexer.ConnectAsync(config).ConfigureAwait(false);
            var keys = new SchedulerKeys(ns);
            var store = new SchedulerStore(redis.GetDatabase(), keys, keys.MasterLock(options.LockPrefix), $"{Environment.MachineName}:{Environment.ProcessId}");
            var scheduler = _scheduler = new DelayedScheduler(store, options, _log, TimeProvider.System);
            // Subscribing needs Redis up: the loop retries it until it succeeds, and the client
            // renews the subscription by itself after a reconnect.
            Task Subscribe() => redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(keys.Wake), (_, _) => scheduler.Wake());
            await scheduler.RunAsync(Subscribe, _stop.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _log.Error("scheduler stopped: {Error}", e.Message.Split('\n')[0]);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Current = null;
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _run.WaitAsync(StopBound).ConfigureAwait(false);
            if (_scheduler is { } scheduler) await scheduler.ReleaseAsync().WaitAsync(StopBound).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Not released: the lease lapses on its own within POOL_SCHEDULER_LEASE.
            _log.Warning("scheduler: lease not released on stop ({Error}); it lapses on its own", e.Message.Split('\n')[0]);
        }
        if (_redis is not null) await _redis.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }
}
