using Pool.Master.Config;
using Pool.Master.Observability;
using Pool.Master.Processes;
using Pool.Master.Stores;
using Pool.Master.Supervision;
using Pool.Protocol.Connection;
using Pool.Protocol.Recovery;
using Pool.Signals;
using Serilog;
using StackExchange.Redis;

namespace Pool.Master.Hosting;

/// <summary>
/// Entry point of `pool-master run`: claim the pidfile, load the config, connect the store, listen
/// to signals, run the supervisor until it has drained, then clean up in reverse order.
/// </summary>
public static class MasterHost
{
    /// <summary>
    /// How the master gets its Redis store; a test seam. It must not block for long when Redis is
    /// down (RedisMasterStore connects with AbortOnConnectFail off); if it throws, the master runs
    /// without recovery and says so.
    /// </summary>
    internal static Func<MasterSettings, ILogger, Task<IMasterStore>> ConnectStore { get; set; } = ConnectRedisAsync;

    private static async Task<IMasterStore> ConnectRedisAsync(MasterSettings settings, ILogger log)
    {
        var options = RedisConnector.ProcessOptions(settings.RedisUrl, "pool-master");
        var redis = await RedisConnector.ConnectAsync(options, notice => log.Information("{Notice}", notice)).ConfigureAwait(false);
        // The store's calls would only time out; this says why.
        RedisAuthentication.Watch(redis, () => log.Error("Redis at {Redis}: {Failure}", RedisUrl.Redact(settings.RedisUrl), RedisAuthentication.Failed));
        return new ConnectionOwningStore(new RedisMasterStore(redis, settings.Namespace) { Lease = settings.Lease, MaxAttempts = settings.MaxAttempts }, redis);
    }

    /// <param name="signals">Registered at the start of the process; the signals it held so far reach the loop first.</param>
    internal static async Task<int> RunAsync(MasterSettings settings, IReadOnlyDictionary<string, string?> env, ILogger log, SignalInbox signals, CancellationToken ct)
    {
        using var pidFile = ClaimPidFile(settings);
        if (settings.PidFile is not null && pidFile is null) return 1;
        // Load Mono.Unix's native helper now (kill(2), used on every exit): loaded lazily, it
        // would be opened for the first time inside the loop, where running out of file
        // descriptors (many HTTP clients) would make it fail.
        _ = ProcessSignals.Exists(Environment.ProcessId);
        if (!ChildLauncher.IsAvailable)
        {
            log.Fatal("{Setsid} is missing; the master needs it to start each worker in its own process group (apt-get install util-linux)", ChildLauncher.SetsidPath);
            return 1;
        }

        // From here on a signal is queued for the loop (it was held by the inbox before).
        var events = Supervisor.CreateChannel();
        signals.Attach(s => events.Writer.TryWrite(new SignalReceived(s)));
        ReportInheritedIgnores(log);
        // Cancellation from the host means the same as TERM.
        await using var onCancel = ct.Register(() => events.Writer.TryWrite(new SignalReceived(System.Runtime.InteropServices.PosixSignal.SIGTERM)));

        PoolConfig config;
        SupervisorOptions options;
        try
        {
            config = LoadConfig(settings, env);
            options = SupervisorOptions.FromEnvironment(env);
        }
        catch (Exception e) when (e is ConfigException or FileNotFoundException or FormatException or IOException)
        {
            log.Fatal("cannot start: {Error}", e.Message);
            return 1;
        }

        LogStart(settings, config, env, log);
        // Side tasks (store calls, the connect, the HTTP endpoint) log through this, closed before the exit line.
        var sideLog = new ClosableLogger(log);
        var connecting = new ConnectingStore(ConnectOrNullAsync(settings, sideLog, ct));
        await using var store = new GuardedStore(connecting, sideLog, options.StoreTimeout);
        using var stopReport = new CancellationTokenSource();
        var connectionReport = ConnectionReport.WatchAsync(stop => ConnectionReport.AnswersAsync(connecting, stop), RedisUrl.Redact(settings.RedisUrl), sideLog, stopReport.Token);
        // Always on: the dashboard's Masters page reads every master's snapshot from Redis.
        var board = new SnapshotBoard();
        await using var publisher = Web.MasterSnapshotPublisher.Start(board, settings.RedisUrl, settings.Namespace, sideLog);
        MasterHttpServer? http = null;
        if (settings.Http is not null)
        {
            try
            {
                http = await MasterHttpServer.StartAsync(settings.Http!, board, store.Counters, settings.RedisUrl, settings.Namespace, sideLog).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or InvalidOperationException)
            {
                log.Fatal("cannot serve HTTP on {Address}: {Error}", settings.Http, e.Message);
                return 1;
            }
            if (http.Address.IsWildcard && !http.Authenticates)
                log.Warning("--http {Address} listens on every network interface: /status shows job arguments and has no authentication; bind 127.0.0.1 (the default) unless a firewall or an authenticating proxy guards the port", settings.Http);
        }
        await using var httpScope = http;
        // The scheduler (Scheduling/) runs beside the loop and stops, lease released, before the exit line.
        var scheduler = Scheduling.SchedulerHost.Start(settings.RedisUrl, settings.Namespace, config.Schedule, settings.Environment, env, sideLog);
        var supervisor = new Supervisor(events, settings, config, env, log, store, options, TimeProvider.System,
            () => LoadConfig(settings, env, askWorker: true))
        {
            Board = board,
        };
        var code = await supervisor.RunAsync().ConfigureAwait(false);
        await stopReport.CancelAsync().ConfigureAwait(false);
        await connectionReport.ConfigureAwait(false);
        if (scheduler is not null) await scheduler.DisposeAsync().ConfigureAwait(false);
        // Side tasks end before the exit line, so nothing of theirs can surface after it.
        await publisher.DisposeAsync().ConfigureAwait(false);
        sideLog.Close();
        log.Information("pool-master exiting with {ExitCode}", code);
        return code;
    }

    /// <summary>
    /// What start and HUP run: the file, `auto` counts resolved on this machine, and the workers'
    /// job assemblies found. HUP (<paramref name="askWorker"/>) also has pool-worker load the job
    /// classes, so a broken build leaves the running workers be instead of replacing them; the
    /// start asks pool-worker only about commands with options of their own (JobLoadCheck).
    /// </summary>
    private static PoolConfig LoadConfig(MasterSettings settings, IReadOnlyDictionary<string, string?> env, bool askWorker = false)
    {
        // `auto` counts depend on this machine's memory: resolved wherever the file is loaded.
        var config = Capacity.CapacityPlan.ResolveHere(GroupConcurrency.Resolve(ConfigLoader.Load(settings.ConfigPath, settings.Environment, env), settings.WorkerCommand, env));
        WorkerCommandCheck.Require(config, settings.WorkerCommand, env, Environment.CurrentDirectory);
        var loaded = new Dictionary<string, string>(StringComparer.Ordinal);
        JobLoadCheck.Require(config, settings.WorkerCommand, env, Environment.CurrentDirectory, everyCommand: askWorker, byCommand: loaded);
        // The job classes pool-worker answered with judge the schedule's classes, as in `check`: an
        // entry whose class no group serving its queue loads is refused (HUP applied it, and every
        // run failed as Pool::UnknownJob), and one some of them lack is a warning.
        var classWarnings = ScheduleTargets.ClassProblems(config, settings.WorkerCommand, loaded);
        return classWarnings.Count == 0 ? config : config with { Warnings = [.. config.Warnings, .. classWarnings] };
    }

    private static void ReportInheritedIgnores(ILogger log)
    {
        if (InheritedIgnores.Restored.Count > 0)
            log.Information("{Signals} were ignored when pool-master started (a script's background job, or nohup); the master handles them anyway", SignalNames.Names(InheritedIgnores.Restored));
        var unheard = InheritedIgnores.Unheard(SignalNames.MasterHandles);
        if (unheard.Count == 0) return;
        log.Warning("{Signals} stay ignored, as they were when pool-master started: the master cannot hear them", SignalNames.Names(unheard));
        if (!ChildLauncher.ResetsSignals)
            log.Warning("{Env} has no --default-signal (coreutils before 8.31, or busybox), so workers inherit {Signals} ignored too", ChildLauncher.EnvPath, SignalNames.Names(unheard));
    }

    private static PidFile? ClaimPidFile(MasterSettings settings)
    {
        if (settings.PidFile is null) return null;
        try
        {
            var claimed = PidFile.TryClaim(settings.PidFile, Environment.ProcessId, out var error);
            if (claimed is null) Console.Error.WriteLine("pool-master: " + error);
            return claimed;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"pool-master: cannot write pidfile {settings.PidFile}: {e.Message}");
            return null;
        }
    }

    private static async Task<IMasterStore> ConnectOrNullAsync(MasterSettings settings, ILogger log, CancellationToken ct)
    {
        try
        {
            ct.ThrowIfCancellationRequested();
            return await ConnectStore(settings, log).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            log.Error("cannot reach Redis at {Redis}: {Error}; supervising without job recovery", RedisUrl.Redact(settings.RedisUrl), e.Message);
            return NullMasterStore.Instance;
        }
    }

    private static void LogStart(MasterSettings settings, PoolConfig config, IReadOnlyDictionary<string, string?> env, ILogger log)
    {
        log.Information("pool-master {MasterPid} supervising {Workers} worker(s) in {Groups} group(s) from {Config} (environment {Environment}), redis {Redis}, term_timeout {TermTimeout}s + grace {KillGrace}s",
            Environment.ProcessId, config.TotalWorkers, config.Groups.Count, config.SourcePath, config.Environment ?? "(none)",
            RedisUrl.Redact(settings.RedisUrl), settings.TermTimeout.TotalSeconds, settings.KillGrace.TotalSeconds);
        config.LogWarnings(log);

        if (SettingsResolver.Get(env, "DYNO") is { } dyno)
        {
            var longest = config.Groups.Select(g => g.TermTimeout ?? settings.TermTimeout).DefaultIfEmpty(settings.TermTimeout).Max();
            if (longest + settings.KillGrace >= TimeSpan.FromSeconds(30))
                log.Warning("on Heroku (DYNO={Dyno}) the platform sends SIGKILL 30 s after TERM, but term_timeout {TermTimeout}s + grace {KillGrace}s reaches it: lower TERM_TIMEOUT or the group's term_timeout below {Limit}s",
                    dyno, longest.TotalSeconds, settings.KillGrace.TotalSeconds, 30 - settings.KillGrace.TotalSeconds);
        }
    }
}
