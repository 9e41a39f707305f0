using Pool.Master.Config;
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
    /// <summary>The master's environment, which a Ruby entry's rails_env must name.</summary>
    private readonly string? _environment;
    private volatile DelayedScheduler? _scheduler;
    private volatile RecurringScheduler? _recurring;
    private volatile IReadOnlyList<ScheduleEntry> _schedule;
    private ConnectionMultiplexer? _redis;

    /// <summary>The running scheduler, for /status and /metrics; null when it is off.</summary>
    public static SchedulerHost? Current { get; private set; }

    /// <summary>How long a stop waits for a Redis call in flight, and then for the release; a lease not released lapses anyway.</summary>
    private static readonly TimeSpan StopBound = TimeSpan.FromSeconds(1);

    private SchedulerHost(string redisUrl, string ns, SchedulerOptions options, IReadOnlyList<ScheduleEntry> schedule, string? environment, ILogger log)
    {
        _log = log;
        _environment = environment;
        _schedule = schedule;
        _run = Task.Run(() => RunAsync(redisUrl, ns, options));
    }

    public SchedulerState State => _scheduler?.State ?? SchedulerState.Off;

    /// <summary>Recurring occurrences this master enqueued.</summary>
    public long Fired => _recurring?.Fired ?? 0;

    /// <summary>The recurring entries in use (the latest HUP's), for the dashboard's Recurring page.</summary>
    public IReadOnlyList<ScheduleEntry> Schedule => _schedule;

    /// <summary>The entries from Ruby's persistent_schedules this master fires while it leads, as last read.</summary>
    public IReadOnlyList<ScheduleEntry> RubySchedule => _recurring?.RubyEntries ?? [];

    /// <summary>Thread-safe: a HUP's new schedule, used from the next pass on.</summary>
    public void UseSchedule(IReadOnlyList<ScheduleEntry> schedule)
    {
        _schedule = schedule;
        _recurring?.Use(schedule);
        _scheduler?.Wake();
    }

    /// <summary>Starts the scheduler unless POOL_SCHEDULER=off; a bad scheduler variable is logged and leaves it off, never the pool.</summary>
    /// <param name="environment">The master's environment (-E, POOL_ENV, RAILS_ENV, ...), for Ruby entries limited by rails_env.</param>
    public static SchedulerHost? Start(string redisUrl, string ns, IReadOnlyList<ScheduleEntry> schedule, string? environment, IReadOnlyDictionary<string, string?> env, ILogger log)
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
            log.Information("scheduler off (POOL_SCHEDULER turns it off): this master moves no delayed jobs");
            return null;
        }
        if (schedule.Count > 0) log.Information("scheduler: {Entries} recurring schedule entr(ies): {Names}", schedule.Count, string.Join(", ", schedule.Select(e => e.Name)));
        SchedulerMetrics.Register();
        return Current = new SchedulerHost(redisUrl, ns, options, schedule, environment, log);
    }

    /// <summary>Connects in the background (the master's start never waits for Redis), then runs the loop until stopped.</summary>
    private async Task RunAsync(string redisUrl, string ns, SchedulerOptions options)
    {
        try
        {
            var config = RedisConnector.ProcessOptions(redisUrl, "pool-scheduler");
            var redis = _redis = await RedisConnector.ConnectAsync(config).ConfigureAwait(false);
            var keys = new SchedulerKeys(ns);
            var store = new SchedulerStore(redis.GetDatabase(), keys, keys.MasterLock(options.LockPrefix), $"{Environment.MachineName}:{Environment.ProcessId}");
            // A missed occurrence is one later than a leader change can explain.
            var recurringStore = new RecurringStore(redis.GetDatabase(), keys);
            var ruby = new RubyScheduleWatch(recurringStore, TimeZoneInfo.Local, _environment, _log);
            var recurring = _recurring = new RecurringScheduler(recurringStore, store.LockKey, store.LockValue, options.Lease + options.Poll + options.Poll, _log, ruby);
            recurring.Use(_schedule);
            var scheduler = _scheduler = new DelayedScheduler(store, options, _log, TimeProvider.System, recurring);
            // Subscribing needs Redis up: the loop retries it before each pass until it succeeds
            // (or Redis refuses it for good), and the client renews it by itself after a reconnect.
            Task Subscribe() => redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(keys.Wake), (_, _) => scheduler.Wake());
            await scheduler.RunAsync(new WakeSubscription(Subscribe, keys.Wake, options.Poll, _log), _stop.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _log.Error("scheduler stopped: {Error}", RedisErrors.Brief(e));
        }
    }

    public async ValueTask DisposeAsync()
    {
        Current = null;
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            // Redis unreachable (still connecting, or gone): nothing can be released, and a pass
            // in flight only ends at the client's timeout; the master's exit must not wait for
            // either. (It did, for StopBound, whenever a TERM found a pass waiting on a Redis
            // that was down.)
            if (_scheduler is { } scheduler && _redis is { IsConnected: true })
            {
                await _run.WaitAsync(StopBound).ConfigureAwait(false);
                await scheduler.ReleaseAsync().WaitAsync(StopBound).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Not released: the lease lapses on its own within POOL_SCHEDULER_LEASE.
            _log.Warning("scheduler: lease not released on stop ({Error}); it lapses on its own", RedisErrors.Brief(e));
        }
        if (_redis is not null) await _redis.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }
}
