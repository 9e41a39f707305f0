using Pool.Protocol.Connection;
using Pool.Protocol.Keys;
using Pool.Protocol.Recovery;
using Pool.Protocol.Working;
using Pool.Worker.Jobs;
using Pool.Worker.Limits;
using Serilog;
using StackExchange.Redis;

namespace Pool.Worker.Running;

/// <summary>
/// One of the N job slots of a worker process (concurrency N). A lane is a whole Pool worker in
/// Redis under its own id (<see cref="WorkerLanes"/>): it reserves, runs and settles one job at a
/// time with its own loop, in-flight record, lease, token and time limit, exactly as a one-job
/// worker does, so every delivery guarantee holds per job. What the lanes share is the process:
/// the main connection (their reserves are pipelined on it), stop and pause state, max_jobs, the
/// logger. Each lane has a blocking connection of its own, because its idle BLPOP holds the
/// connection for the whole wait and a second BLPOP on it would queue behind the first.
/// </summary>
internal sealed class WorkerLane(int number, IWorkerStore store, WorkerLoop loop, Liveness liveness, WorkerControl control, IBlockingPop blocking)
{
    public int Number { get; } = number;
    public IWorkerStore Store { get; } = store;
    public string WorkerId => Store.WorkerId;
    public WorkerLoop Loop { get; } = loop;
    public Liveness Liveness { get; } = liveness;
    public WorkerControl Control { get; } = control;
    /// <summary>The lane's idle-wait connection; closed without waiting once its loop is done.</summary>
    public IBlockingPop Blocking { get; } = blocking;

    /// <summary>What every lane of a process is built from.</summary>
    internal sealed record Parts(
        WorkerSettings Settings,
        ResqueKeys Keys,
        IConnectionMultiplexer Main,
        RedisGuard Redis,
        ReplicaConfirmation Confirmation,
        RedisMasterStore Sweeper,
        JobRegistry Registry,
        JobInvoker Invoker,
        JobBudget Budget,
        Pool.Protocol.Retries.RetryPlanner Retries,
        ILogger Log,
        Pool.Logging.BatchingStdoutSink? LogBatching);

    /// <summary>Lane <paramref name="number"/>'s worker id in this process.</summary>
    public static string IdOf(WorkerSettings settings, int number) => WorkerLanes.Id(WorkerIdentity.Host, Environment.ProcessId, settings.QueueList, number);

    /// <summary>
    /// Builds lane <paramref name="number"/>. Lane 0 uses the process's own control; the others get
    /// lanes of it. Only lane 0 sweeps for dead workers: one sweeper per process is enough.
    /// </summary>
    public static WorkerLane Create(int number, Parts parts, WorkerControl processControl, IBlockingPop blocking)
    {
        var settings = parts.Settings;
        var id = IdOf(settings, number);
        var control = number == 0 ? processControl : processControl.NewLane();
        // One clock for the lane: its control's, which also times its jobs and deadlines.
        var store = new RedisWorkerStore(new WorkerStore(parts.Main.GetDatabase(), parts.Keys, id, settings.Queues, control.Time)
        {
            Confirmation = parts.Confirmation,
            Lease = settings.Lease,
            IdleRegistration = TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(3).Ticks, 3 * settings.PollInterval.Ticks)),
            Retries = parts.Retries,
        });
        var log = settings.Concurrency > 1 ? parts.Log.ForContext("Lane", number) : parts.Log;
        var liveness = new Liveness(store, parts.Sweeper, parts.Redis, control, control.Time, log) { Sweeps = number == 0 };
        var execution = new JobExecution(parts.Registry, parts.Invoker, control, settings.TermTimeout, log, settings.JobTimeout);
        var waker = new WakeWaiter(blocking, parts.Keys, id, settings.Queues, settings.PollInterval);
        var loop = new WorkerLoop(store, waker, execution, control, parts.Redis, log, parts.Budget) { LogBatching = parts.LogBatching };
        return new WorkerLane(number, store, loop, liveness, control, blocking);
    }
}
