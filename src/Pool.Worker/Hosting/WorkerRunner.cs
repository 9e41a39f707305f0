using Pool.Protocol.Connection;
using Pool.Protocol.Keys;
using Pool.Protocol.Recovery;
using Pool.Protocol.Working;
using Pool.Settings;
using Pool.Worker.Jobs;
using Pool.Worker.Limits;
using Pool.Worker.Running;
using Pool.Worker.Signals;
using Serilog;
using StackExchange.Redis;

namespace Pool.Worker.Hosting;

/// <summary>Wires one worker process: connections, registry entry, signals, loops; then a clean exit.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal static class WorkerRunner
{
    /// <param name="signals">The worker's signals, taken over at process start; what they held so far is applied now.</param>
    public static async Task<int> RunAsync(WorkerSettings settings, JobRegistry registry, IServiceProvider? services, ILogger log, Pool.Signals.SignalInbox signals, Pool.Logging.BatchingStdoutSink? logBatching = null)
    {
        var keys = new ResqueKeys(settings.Namespace);
        var workerId = WorkerIdentity.For(Environment.ProcessId, settings.QueueList);
        var control = new WorkerControl(TimeProvider.System) { GiveUpAfterStop = settings.TermTimeout + TimeSpan.FromSeconds(1) };
        SignalHandlers.Attach(signals, control, log);

        // Two connections: BLPOP parks its connection for the whole idle wait, so it gets its own.
        await using var main = await ConnectAsync(settings.RedisUrl, "pool-worker", TimeSpan.FromSeconds(5), notice => log.Information("{Notice}", notice)).ConfigureAwait(false);
        await using var blocking = await ConnectAsync(settings.RedisUrl, "pool-worker-wait", settings.PollInterval + TimeSpan.FromSeconds(5)).ConfigureAwait(false);

        var redis = new RedisGuard(log);
        redis.Watch(main);
        var confirmation = ReplicaConfirmation.FromUrl(settings.RedisUrl);
        var store = new WorkerStore(main.GetDatabase(), keys, workerId, settings.Queues)
        {
            Confirmation = confirmation,
            Lease = settings.Lease,
            IdleRegistration = TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(3).Ticks, 3 * settings.PollInterval.Ticks)),
            Retries = Running.FailureRetries.Planner(registry),
        };
        var sweeper = new RedisMasterStore(main, keys.Namespace, confirmation: confirmation) { Lease = settings.Lease, MaxAttempts = PoolVariables.MaxAttemptsFrom(Environment.GetEnvironmentVariable(PoolVariables.MaxAttempts)) ?? RedisMasterStore.DefaultMaxAttempts };
        redis.OnOutage = sweeper.Gate.Trouble;
        var liveness = new Liveness(store, sweeper, redis, control, TimeProvider.System, log);
        var execution = new JobExecution(registry, new JobInvoker(services), control, settings.TermTimeout, log, settings.JobTimeout);
        var waker = new WakeWaiter(blocking, keys, workerId, settings.Queues, settings.PollInterval, confirmation);
        var loop = new WorkerLoop(store, waker, execution, control, redis, log, new JobBudget(settings.MaxJobs)) { LogBatching = logBatching };

        log.Information("Worker {WorkerId} starting: slot={Slot} queues={Queues} redis={Redis} min_replica_acks={ReplicaAcks} namespace={Namespace} jobs={Jobs} term_timeout={TermTimeout}s max_jobs={MaxJobs} job_timeout={JobTimeout}",
            workerId, Environment.GetEnvironmentVariable(PoolVariables.WorkerSlot) ?? "-", settings.QueueList, RedisUrl.Redact(settings.RedisUrl), confirmation.Replicas, keys.Namespace, string.Join(",", registry.Names), settings.TermTimeout.TotalSeconds,
            settings.MaxJobs?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-", settings.JobTimeout?.ToString() ?? "-");

        using var stopBackground = new CancellationTokenSource();
        try
        {
            await redis.RunAsync("register", store.RegisterAsync, control.Shutdown).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (control.Shutdown.IsCancellationRequested)
        {
            log.Information("Stopped before Redis was reachable");
            return 0;
        }
        var background = new List<Task> { liveness.RunAsync(stopBackground.Token) };
        if (settings.MasterPid is { } masterPid) background.Add(MasterWatch.RunAsync(masterPid, control, log, stopBackground.Token));
        log.Information("Worker ready");

        try
        {
            await loop.RunAsync().ConfigureAwait(false);
            // An idle worker's BLPOP may still be parked on the wait connection. A plain dispose
            // lets pending commands complete, i.e. waits out the poll interval (up to 1 s) on
            // every stop; nothing on that connection matters any more, so drop it now.
            await blocking.CloseAsync(allowCommandsToComplete: false).ConfigureAwait(false);
            await stopBackground.CancelAsync().ConfigureAwait(false);
            // A heartbeat queued behind a dead connection only ends at the client's timeout (5 s);
            // nothing it does matters to a stopping worker, so it is not waited for past a moment.
            await Task.WhenAny(Task.WhenAll(background), Task.Delay(UnregisterPatience)).ConfigureAwait(false);
            // The loop only returns once every job it ran is settled in Redis, so leaving the
            // registry is tidying up: a worker with Redis down does not wait its whole deadline
            // for it (the master's recovery of the exited worker, or the lease sweep, tidies up
            // instead, and puts back a hand-off it never read).
            using var tidyUp = CancellationTokenSource.CreateLinkedTokenSource(control.GiveUp);
            tidyUp.CancelAfter(UnregisterPatience);
            try
            {
                await redis.RunAsync("unregister", store.UnregisterAsync, tidyUp.Token).WaitAsync(tidyUp.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (tidyUp.IsCancellationRequested && !control.GiveUp.IsCancellationRequested)
            {
                log.Warning("Worker {WorkerId} stopped on {Signal} with every job settled, but could not leave the registry: Redis is unreachable; the master's recovery or the lease sweep removes the entry", workerId, SignalName(control.Stop));
                return 0;
            }
        }
        catch (OperationCanceledException) when (control.GiveUp.IsCancellationRequested)
        {
            // Redis stayed away through the whole stop: what this worker holds stays in its
            // in-flight record, and the lease sweep requeues it once the lease runs out.
            log.Warning("Worker {WorkerId} stopped on {Signal} without reaching Redis; its jobs are left for lease recovery", workerId, SignalName(control.Stop));
            return 1;
        }
        log.Information("Worker {WorkerId} stopped on {Signal}", workerId, SignalName(control.Stop));
        return 0;
    }

    /// <summary>How long a stopping worker that holds nothing keeps trying to unregister through an outage.</summary>
    private static readonly TimeSpan UnregisterPatience = TimeSpan.FromSeconds(1);

    private static async Task<ConnectionMultiplexer> ConnectAsync(string url, string name, TimeSpan timeout, Action<string>? notice = null)
    {
        var options = RedisUrl.Parse(url);
        options.AbortOnConnectFail = false;
        options.ClientName = name;
        options.AsyncTimeout = options.SyncTimeout = (int)timeout.TotalMilliseconds;
        options.ConnectRetry = 3;
        options.ReconnectRetryPolicy = new LinearRetry(200);
        // Complete replies on the .NET thread pool rather than the client's own socket-manager
        // threads: the worker awaits every reply and then continues on the thread pool anyway,
        // so this saves a cross-pool hand-off per call (measured: about +35 % no-op throughput
        // and a lower enqueue-to-start p99).
        options.SocketManager = SocketManager.ThreadPool;
        return await RedisConnector.ConnectAsync(options, notice).ConfigureAwait(false);
    }

    /// <summary>The signal as an operator types it ("TERM"), for "stopped on TERM"; a worker that recycled itself stopped "on its own".</summary>
    private static string SignalName(StopMode mode) => mode == StopMode.None ? "its own" : mode.ToString().ToUpperInvariant();
}
