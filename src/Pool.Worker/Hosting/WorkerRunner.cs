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
    /// <param name="connecting">The main connection when it was begun at process start for these settings' URL (<see cref="EarlyConnection"/>).</param>
    public static async Task<int> RunAsync(WorkerSettings settings, JobRegistry registry, IServiceProvider? services, ILogger log, Pool.Signals.SignalInbox signals, Pool.Logging.BatchingStdoutSink? logBatching = null, Task<ConnectionMultiplexer>? connecting = null)
    {
        var keys = new ResqueKeys(settings.Namespace);
        var control = new WorkerControl(TimeProvider.System) { GiveUpAfterStop = settings.TermTimeout + TimeSpan.FromSeconds(1) };
        // Started by a master whose workers USR2 paused: paused from the first job on. A CONT
        // the worker got meanwhile is among the signals applied next, so it still resumes it.
        if (Environment.GetEnvironmentVariable(PoolVariables.Paused) == "1") control.Pause(true);
        SignalHandlers.Attach(signals, control, log);

        var confirmation = ReplicaConfirmation.FromUrl(settings.RedisUrl);
        // One main connection for all lanes, and one per lane for its idle wait: BLPOP parks its
        // connection for the whole wait. They connect at once, not one after another (start-up);
        // a dedicated wait connection connects at its first wait, off the start-up path.
        // Off this flow: whatever part of the client's connect runs before its first await must not
        // hold up the report below, or a stop.
        var connectingMain = connecting ?? Task.Run(() => EarlyConnection.ConnectAsync(settings.RedisUrl, "pool-worker", TimeSpan.FromSeconds(5), notice => log.Information("{Notice}", notice)));
        var waitOptions = RedisUrl.Parse(settings.RedisUrl);
        var connectingWaits = Enumerable.Range(0, settings.Concurrency)
            .Select(_ => IBlockingPop.OpenAsync(waitOptions, confirmation, "pool-worker-wait", TimeSpan.FromSeconds(5),
                () => EarlyConnection.ConnectAsync(settings.RedisUrl, "pool-worker-wait", settings.PollInterval + TimeSpan.FromSeconds(5))))
            .ToList();
        var redis = new RedisGuard(log, control.Time);
        // Said while the connection is being made, not after it: the first event through the log
        // pipeline runs its cold code (and the host name's lookup its own), which sat between the
        // handshake and the registration, on the way from a respawn to the first job. A standby
        // says it once it has its slot.
        var workerId = WorkerLane.IdOf(settings, 0);
        if (!StandbyWait.Requested) LogStart(workerId, settings, keys, registry, confirmation, log);
        // The client waits out its connect timeout (5 s) before it hands back a connection that
        // is not there; a wrong REDIS_URL or a Redis still starting is said sooner than that.
        if (await Task.WhenAny(connectingMain, Task.Delay(SlowConnect)).ConfigureAwait(false) != connectingMain)
            redis.ReportDown($"no connection to {RedisUrl.Redact(settings.RedisUrl)} within {SlowConnect.TotalSeconds:0} s");
        ConnectionMultiplexer main;
        IBlockingPop[] waits;
        try
        {
            // A stop does not wait out the connect either: nothing is held yet.
            main = await connectingMain.WaitAsync(control.Stopping).ConfigureAwait(false);
            waits = await Task.WhenAll(connectingWaits).WaitAsync(control.Stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (control.Stopping.IsCancellationRequested)
        {
            log.Information("Stopped before Redis was reachable");
            return 0;
        }
        await using var closeConnections = new Closer(main, waits);

        redis.Watch(main);
        if (!main.IsConnected) redis.ReportDown("UnableToConnect");
        var sweeper = new RedisMasterStore(main, keys.Namespace, confirmation: confirmation) { Lease = settings.Lease, MaxAttempts = PoolVariables.MaxAttemptsFrom(Environment.GetEnvironmentVariable(PoolVariables.MaxAttempts)) ?? RedisMasterStore.DefaultMaxAttempts };
        redis.OnOutage = sweeper.Gate.Trouble;
        var parts = new WorkerLane.Parts(settings, keys, main, redis, confirmation, sweeper, registry, new JobInvoker(services), new JobBudget(settings.MaxJobs), FailureRetries.Planner(registry), log, logBatching);
        var lanes = Enumerable.Range(0, settings.Concurrency).Select(i => WorkerLane.Create(i, parts, control, waits[i])).ToList();
        if (StandbyWait.Requested && await StandByAsync(workerId, control, log).ConfigureAwait(false) is { } standbyExit) return standbyExit;

        if (StandbyWait.Requested) LogStart(workerId, settings, keys, registry, confirmation, log);

        using var stopBackground = new CancellationTokenSource();
        try
        {
            // A stop abandons an attempt in flight too: with Redis unreachable it would otherwise
            // hold the stop for the client's whole timeout (5 s), and nothing is held yet.
            await Task.WhenAll(lanes.Select(lane => redis.RunAsync("register", () => lane.Store.RegisterAsync().WaitAsync(control.Stopping), control.Stopping))).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (control.Stopping.IsCancellationRequested)
        {
            log.Information("Stopped before Redis was reachable");
            return 0;
        }
        var background = lanes.Select(lane => lane.Liveness.RunAsync(stopBackground.Token)).ToList();
        if (settings.MasterPid is { } masterPid) background.Add(MasterWatch.RunAsync(masterPid, control, log, stopBackground.Token));
        log.Information("Worker ready");

        try
        {
            await RunLoopsAsync(lanes, control).ConfigureAwait(false);
            // An idle worker's BLPOP may still be parked on the wait connection; nothing on it
            // matters any more, so it is dropped now rather than waited out (up to 1 s).
            await Task.WhenAll(lanes.Select(lane => lane.Blocking.DisposeAsync().AsTask())).ConfigureAwait(false);
            await stopBackground.CancelAsync().ConfigureAwait(false);
            // A heartbeat queued behind a dead connection only ends at the client's timeout (5 s);
            // nothing it does matters to a stopping worker, so it is not waited for past a moment.
            await Task.WhenAny(Task.WhenAll(background), Task.Delay(UnregisterPatience)).ConfigureAwait(false);
            // The loops only return once every job they ran is settled in Redis, so leaving the
            // registry is tidying up: a worker with Redis down does not wait its whole deadline
            // for it (the master's recovery of the exited worker, or the lease sweep, tidies up
            // instead, and puts back a hand-off it never read).
            using var tidyUp = CancellationTokenSource.CreateLinkedTokenSource(control.GiveUp);
            tidyUp.CancelAfter(UnregisterPatience);
            try
            {
                await Task.WhenAll(lanes.Select(lane => redis.RunAsync("unregister", lane.Store.UnregisterAsync, tidyUp.Token))).WaitAsync(tidyUp.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (tidyUp.IsCancellationRequested && !control.GiveUp.IsCancellationRequested)
            {
                log.Warning("Worker {WorkerId} stopped on {Signal} with every job settled, but could not leave the registry: Redis is unreachable; the master's recovery or the lease sweep removes the entry", workerId, SignalName(control));
                return 0;
            }
        }
        catch (OperationCanceledException) when (control.GiveUp.IsCancellationRequested)
        {
            // Redis stayed away through the whole stop: what this worker holds stays in its
            // in-flight record, and the lease sweep requeues it once the lease runs out.
            log.Warning("Worker {WorkerId} stopped on {Signal} without reaching Redis; its jobs are left for lease recovery", workerId, SignalName(control));
            return 1;
        }
        log.Information("Worker {WorkerId} stopped on {Signal}", workerId, SignalName(control));
        return 0;
    }

    private static void LogStart(string workerId, WorkerSettings settings, ResqueKeys keys, JobRegistry registry, ReplicaConfirmation confirmation, ILogger log) =>
        log.Information("Worker {WorkerId} starting: slot={Slot} concurrency={Concurrency} queues={Queues} redis={Redis} min_replica_acks={ReplicaAcks} namespace={Namespace} jobs={Jobs} term_timeout={TermTimeout}s max_jobs={MaxJobs} job_timeout={JobTimeout}",
            workerId, Environment.GetEnvironmentVariable(PoolVariables.WorkerSlot) ?? "-", settings.Concurrency, settings.QueueList, RedisUrl.Redact(settings.RedisUrl), confirmation.Replicas, keys.Namespace, string.Join(",", registry.Names), settings.TermTimeout.TotalSeconds,
            settings.MaxJobs?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-", settings.JobTimeout?.ToString() ?? "-");

    /// <summary>
    /// A standby (`standby: N`) waits here, connected, until the master gives it a slot; null
    /// then, to carry on as that slot's worker. Otherwise the exit code: a stop, or the master
    /// gone, ends a standby that never held anything.
    /// </summary>
    private static async Task<int?> StandByAsync(string workerId, WorkerControl control, ILogger log)
    {
        log.Information("Worker {WorkerId} standing by: connected, registers once the master gives it a slot", workerId);
        int? slot;
        try
        {
            // The raw stream, not Console.In, which sets up terminal handling a worker never needs.
            // Not disposed: after a stop, the read may still block on its thread until the exit.
            var input = new StreamReader(Console.OpenStandardInput());
            // Any stop (QUIT too): a standby has no job to finish.
            slot = await StandbyWait.ForSlotAsync(input, control.Stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (control.Stopping.IsCancellationRequested)
        {
            log.Information("Standby worker {WorkerId} stopped on {Signal}", workerId, SignalName(control));
            return 0;
        }
        if (slot is not { } given)
        {
            log.Information("Standby worker {WorkerId} exiting: its master is gone (its input ended without a slot)", workerId);
            return 0;
        }
        // For the start line below, and as any slot's worker has it (a job may read it).
        Environment.SetEnvironmentVariable(PoolVariables.WorkerSlot, given.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return null;
    }

    /// <summary>
    /// Runs every lane's loop until each has settled its job and stopped. A lane that fails
    /// (a bug, not a stop) stops the others as INT does, so their jobs are requeued and the
    /// process exits with the failure, where the master recovers whatever is left.
    /// </summary>
    private static Task RunLoopsAsync(IReadOnlyList<WorkerLane> lanes, WorkerControl control) =>
        Task.WhenAll(lanes.Select(async lane =>
        {
            try
            {
                await lane.Loop.RunAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (!(e is OperationCanceledException && control.GiveUp.IsCancellationRequested))
            {
                control.RequestStop(StopMode.Int);
                throw;
            }
        }));

    /// <summary>Closes the worker's connections on the way out.</summary>
    private sealed class Closer(ConnectionMultiplexer main, IReadOnlyList<IBlockingPop> waits) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            foreach (var wait in waits) await wait.DisposeAsync().ConfigureAwait(false);
            // By now every job is settled and leaving the registry was tried, so nothing still
            // queued on the main connection matters. A plain dispose lets it complete first: it
            // sends QUIT and, with Redis down, waited out the client's 5 s timeout on the way out.
            await main.CloseAsync(allowCommandsToComplete: false).ConfigureAwait(false);
            await main.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// How long the first connect may take before the worker reports Redis unreachable: sooner
    /// than the client's own 5 s timeout, but not so soon that a worker started on a busy
    /// machine (its connect took 1.4 s beside two CPU hogs and a test run) cries outage.
    /// </summary>
    private static readonly TimeSpan SlowConnect = TimeSpan.FromSeconds(3);

    /// <summary>How long a stopping worker that holds nothing keeps trying to unregister through an outage.</summary>
    private static readonly TimeSpan UnregisterPatience = TimeSpan.FromSeconds(1);

    /// <summary>The signal as an operator types it ("TERM"), for "stopped on TERM"; a worker that recycled itself stopped "on its own".</summary>
    private static string SignalName(WorkerControl control) =>
        control.Recycling || control.Stop == StopMode.None ? "its own (recycled)" : control.Stop.ToString().ToUpperInvariant();
}
