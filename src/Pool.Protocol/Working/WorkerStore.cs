using Pool.Protocol.Connection;
using Pool.Protocol.Keys;
using Pool.Protocol.Retries;
using Pool.Protocol.Payloads;
using Pool.Protocol.Scripts;
using StackExchange.Redis;

namespace Pool.Protocol.Working;

/// <summary>
/// One worker's side of the protocol: register, reserve (with the previous ack folded in),
/// requeue, fail, heartbeat, unregister. Each call is one atomic script, one round trip.
/// </summary>
public sealed class WorkerStore
{
    private readonly IDatabase _db;
    private readonly RedisValue[] _queueArgs;
    private readonly TimeProvider _time;
    private long _ridCounter;

    public WorkerStore(IDatabase db, ResqueKeys keys, string workerId, IReadOnlyList<string> queues, TimeProvider? time = null)
    {
        _db = db;
        Keys = keys;
        WorkerId = workerId;
        _queueArgs = queues.Select(q => (RedisValue)q).ToArray();
        _time = time ?? TimeProvider.System;
    }

    public ResqueKeys Keys { get; }
    public string WorkerId { get; }

    /// <summary>How long the liveness lease lasts; see <see cref="WorkerLease"/>.</summary>
    public TimeSpan Lease { get; init; } = WorkerLease.Default;

    private long LeaseMs => (long)Lease.TotalMilliseconds;

    /// <summary>How many replicas must hold a reserve, ack, requeue, fail or checkpoint before it counts.</summary>
    public ReplicaConfirmation Confirmation { get; init; } = ReplicaConfirmation.None;

    /// <summary>A write whose loss would lose a job or run one again: confirmed by <see cref="Confirmation"/>.</summary>
    private Task<RedisResult> RunConfirmedAsync(LuaScriptText script, RedisValue[] argv) => Confirmation.RunAsync(_db, script, argv);

    /// <summary>
    /// How long an idle registration lasts without an idle poll renewing it; past it, enqueues
    /// stop handing this worker jobs (it may have stalled). Three polls' worth by default.
    /// </summary>
    public TimeSpan IdleRegistration { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Automatic retries of failed jobs; null fails every failure at once (as before retries existed).</summary>
    internal Retries.RetryPlanner? Retries { get; init; }

    /// <summary>When a reserve last renewed the lease (a <see cref="TimeProvider"/> timestamp), so an idle worker's reserve doubles as its lease refresh.</summary>
    public long LeaseRenewedAt { get; private set; }

    /// <summary>How often a reserve renews the lease; the liveness loop renews it when reserves do not.</summary>
    private static readonly TimeSpan LeaseRenewal = TimeSpan.FromMilliseconds(500);

    // Whether the last reserve left this worker idle (or paused, or it has not reserved yet): only
    // then can an enqueue have handed it a job, so only then does a reserve look at its mailbox
    // and idle registration. Written only by the loop's single flow of control.
    private bool _wasIdle = true;

    /// <summary>When this worker first registered (worker:ID:started); kept when it registers again or is restored.</summary>
    public string? Started { get; private set; }

    public Task RegisterAsync()
    {
        var now = _time.GetUtcNow();
        Started ??= ResqueTime.Started(now);
        return ScriptRunner.RunAsync(_db, PoolScripts.Register, [Keys.Namespace, WorkerId, Started, ResqueTime.Iso(now), LeaseMs]);
    }

    /// <summary>
    /// Refreshes the lease, and Resque's heartbeat when asked, and restores Resque's registration
    /// if a Ruby worker pruned it (restore_registration in common.lua). False: the worker was swept.
    /// </summary>
    public async Task<bool> HeartbeatAsync(bool resqueHeartbeat)
    {
        var at = _time.GetUtcNow();
        var now = ResqueTime.Iso(at);
        var beat = resqueHeartbeat ? now : "";
        var r = await ScriptRunner.RunAsync(_db, PoolScripts.Heartbeat, [Keys.Namespace, WorkerId, beat, LeaseMs, Started ?? ResqueTime.Started(at), now]).ConfigureAwait(false);
        return (long)r == 1;
    }

    /// <summary>Whether this worker is in Resque's registry (resque:workers): one SISMEMBER, the cheap check before a restore.</summary>
    public Task<bool> IsInResqueRegistryAsync() => _db.SetContainsAsync(Keys.Workers, WorkerId);

    /// <summary>
    /// Acks <paramref name="ackRid"/> (when given) and, when <paramref name="reserve"/>, takes the
    /// next job in queue priority order. A job still held from a reply that was lost comes back
    /// first. The caller awaits this before it starts anything, so the ack is in Redis first.
    /// </summary>
    public Task<ReserveResult> ReserveAsync(string? ackRid, bool reserve = true) => ReserveAsync(ackRid, reserve, null);

    /// <summary>
    /// <see cref="ReserveAsync(string?, bool)"/>, where the acked job was a retry whose resque-retry
    /// counter key (<see cref="JobPayload.RetryCounter"/>) the ack deletes, as resque-retry does on success.
    /// </summary>
    internal async Task<ReserveResult> ReserveAsync(string? ackRid, bool reserve, string? ackRetryCounter)
    {
        var now = _time.GetUtcNow();
        var rid = reserve ? WorkerId + "#" + Interlocked.Increment(ref _ridCounter) : "";
        var argv = new RedisValue[10 + _queueArgs.Length];
        argv[0] = Keys.Namespace;
        argv[1] = WorkerId;
        argv[2] = ackRid ?? "";
        argv[3] = rid;
        argv[4] = ResqueTime.Iso(now);
        // A busy worker renews its lease once a second, not with every job.
        var renewLease = _time.GetElapsedTime(LeaseRenewedAt) >= LeaseRenewal;
        argv[5] = renewLease ? LeaseMs : 0;
        argv[6] = reserve ? "1" : "0";
        argv[7] = (long)IdleRegistration.TotalMilliseconds;
        argv[8] = _wasIdle ? "1" : "0";
        argv[9] = ackRid is null ? "" : ackRetryCounter ?? "";
        _queueArgs.CopyTo(argv, 10);

        var r = (RedisResult[])(await RunConfirmedAsync(PoolScripts.Reserve, argv).ConfigureAwait(false))!;
        var status = (string?)r[0];
        _wasIdle = status != "job";
        if (renewLease && status != "swept") LeaseRenewedAt = _time.GetTimestamp();
        return status switch
        {
            "job" => ReserveResult.Of(new Reservation((string)r[1]!, (string)r[2]!, (string)r[3]!)),
            "paused" => ReserveResult.Paused,
            "acked" => ReserveResult.Acked,
            "swept" => ReserveResult.Swept,
            _ => ReserveResult.Empty,
        };
    }

    /// <summary>
    /// Puts the job back at the head of its queue: unchanged, or as <paramref name="payload"/>
    /// (an iteration job's checkpoint). Never counts an attempt. False when it was no longer held.
    /// </summary>
    public async Task<bool> RequeueAsync(Reservation job, string? payload = null) =>
        await PutBackAsync(job, payload).ConfigureAwait(false) != RequeueOutcome.NotHeld;

    /// <summary>
    /// <see cref="RequeueAsync"/>, telling a job put back from one failed as poison: the
    /// requeue of a job its master charged a death (a memory stop) counts that death.
    /// </summary>
    internal async Task<RequeueOutcome> PutBackAsync(Reservation job, string? payload)
    {
        RedisValue[] argv = payload is null ? [Keys.Namespace, WorkerId, job.Rid] : [Keys.Namespace, WorkerId, job.Rid, payload];
        var r = (RedisResult[])(await RunConfirmedAsync(PoolScripts.Requeue, argv).ConfigureAwait(false))!;
        if (r.Length == 0) return RequeueOutcome.NotHeld;
        return (string?)r[2] switch
        {
            "poisoned" => RequeueOutcome.Poisoned,
            "queue_removed" => RequeueOutcome.QueueRemoved,
            _ => RequeueOutcome.Requeued,
        };
    }

    /// <summary>Replaces the held payload (an iteration cursor), so a recovery after kill -9 resumes from it. False when no longer held.</summary>
    public async Task<bool> CheckpointAsync(Reservation job, string payload)
    {
        var r = await RunConfirmedAsync(PoolScripts.Checkpoint, [Keys.Namespace, WorkerId, job.Rid, payload]).ConfigureAwait(false);
        return (long)r == 1;
    }

    /// <summary>Moves the job to resque:failed with Resque's failure shape; <paramref name="payload"/> replaces the held one in the record.</summary>
    public async Task<bool> FailAsync(Reservation job, string exception, string error, IEnumerable<string> backtrace, string? payload = null) =>
        (await SettleFailureAsync(job, exception, error, backtrace, payload).ConfigureAwait(false)).Fate != FailureFate.NotHeld;

    /// <summary><see cref="FailAsync"/>, telling a failure that became a retry (which attempt, due when) from one that reached the failed list.</summary>
    internal async Task<FailureSettled> SettleFailureAsync(Reservation job, string exception, string error, IEnumerable<string> backtrace, string? payload)
    {
        var now = _time.GetUtcNow();
        payload = PayloadCodec.WithoutRetryMark(payload ?? job.Payload);
        var failure = FailureRecord.Build(now, payload, exception, error, backtrace, WorkerId, job.Queue);
        // Retries (Retries/): a retryable failure becomes a delayed retry, or a final failure with its attempt count.
        if (PlanRetry(job, payload, exception, failure, now) is { } retry)
        {
            var r = (RedisResult[])(await RunConfirmedAsync(Scheduling.SchedulingScripts.RetryFail, retry.Argv).ConfigureAwait(false))!;
            return (long)r[0] switch
            {
                0 => FailureSettled.NotHeld,
                // The script counts attempts from 0 (resque-retry's counter); the log counts runs.
                1 => new FailureSettled(FailureFate.Retried, (int)(long)r[1] + 1, retry.Retries, TimeSpan.FromSeconds((double)r[2])),
                _ => FailureSettled.Failed,
            };
        }
        var done = await RunConfirmedAsync(PoolScripts.Fail, [Keys.Namespace, WorkerId, job.Rid, failure]).ConfigureAwait(false);
        return (long)done == 1 ? FailureSettled.Failed : FailureSettled.NotHeld;
    }

    /// <summary>
    /// The retry of a failed job, if it gets one. The plan reads the job's own data (its args
    /// make resque-retry's key), and a job must never take its worker down with it: a plan that
    /// cannot be made fails the job for good, as it would without retries.
    /// </summary>
    private RetryPlan? PlanRetry(Reservation job, string payload, string exception, string failure, DateTimeOffset now)
    {
        try
        {
            return Retries?.Plan(Keys.Namespace, WorkerId, job, payload, exception, failure, now);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or OverflowException or InvalidOperationException or System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>Clean exit: leaves both registries; a job still held goes back to its queue.</summary>
    public Task UnregisterAsync() => ScriptRunner.RunAsync(_db, PoolScripts.Unregister, [Keys.Namespace, WorkerId]);
}

/// <summary>What a requeue did with the job.</summary>
internal enum RequeueOutcome
{
    /// <summary>The worker no longer held it (a recovery took it); nothing changed.</summary>
    NotHeld,
    /// <summary>Back at the head of its queue.</summary>
    Requeued,
    /// <summary>Charged its last death (a memory stop at the attempt limit): in the failed list as Pool::PoisonJob.</summary>
    Poisoned,
    /// <summary>Its queue was removed while the worker held it: in the failed list as Pool::QueueRemoved, and the queue stays gone.</summary>
    QueueRemoved,
}
