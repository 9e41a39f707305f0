using Pool.Protocol.Keys;
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

    /// <summary>How long the liveness lease lasts; refreshed about every second.</summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(5);

    private long LeaseMs => (long)Lease.TotalMilliseconds;

    /// <summary>When a reserve last renewed the lease (a <see cref="TimeProvider"/> timestamp), so an idle worker's reserve doubles as its lease refresh.</summary>
    public long LeaseRenewedAt { get; private set; }

    public Task RegisterAsync()
    {
        var now = ResqueTime.Iso(_time.GetUtcNow());
        return ScriptRunner.RunAsync(_db, PoolScripts.Register, [Keys.Namespace, WorkerId, now, now, LeaseMs]);
    }

    /// <summary>Refreshes the lease, and Resque's heartbeat when asked. False: the worker was swept.</summary>
    public async Task<bool> HeartbeatAsync(bool resqueHeartbeat)
    {
        var beat = resqueHeartbeat ? ResqueTime.Iso(_time.GetUtcNow()) : "";
        var r = await ScriptRunner.RunAsync(_db, PoolScripts.Heartbeat, [Keys.Namespace, WorkerId, beat, LeaseMs]).ConfigureAwait(false);
        return (long)r == 1;
    }

    /// <summary>
    /// Acks <paramref name="ackRid"/> (when given) and, when <paramref name="reserve"/>, takes up
    /// to <paramref name="batch"/> jobs in queue priority order. A job still held from a reply
    /// that was lost comes back first.
    /// </summary>
    public async Task<ReserveResult> ReserveAsync(string? ackRid, bool reserve = true, int batch = 1)
    {
        if (reserve && batch > 1) await EnsureAdvanceLoadedAsync().ConfigureAwait(false);
        var now = _time.GetUtcNow();
        var rid = reserve ? WorkerId + "#" + Interlocked.Increment(ref _ridCounter) : "";
        var argv = new RedisValue[9 + _queueArgs.Length];
        argv[0] = Keys.Namespace;
        argv[1] = WorkerId;
        argv[2] = ackRid ?? "";
        argv[3] = rid;
        argv[4] = now.ToUnixTimeMilliseconds();
        argv[5] = ResqueTime.Iso(now);
        argv[6] = LeaseMs;
        argv[7] = reserve ? "1" : "0";
        argv[8] = Math.Max(1, batch);
        _queueArgs.CopyTo(argv, 9);

        var r = (RedisResult[])(await ScriptRunner.RunAsync(_db, PoolScripts.Reserve, argv).ConfigureAwait(false))!;
        LeaseRenewedAt = _time.GetTimestamp();
        return (string?)r[0] switch
        {
            "job" => new ReserveResult(ReserveStatus.Job, ReadJobs(r)),
            "paused" => ReserveResult.Paused,
            "acked" => ReserveResult.Acked,
            _ => ReserveResult.Empty,
        };
    }

    private static List<Reservation> ReadJobs(RedisResult[] r)
    {
        var jobs = new List<Reservation>((r.Length - 1) / 3);
        for (var i = 1; i + 2 < r.Length; i += 3) jobs.Add(new Reservation((string)r[i]!, (string)r[i + 1]!, (string)r[i + 2]!));
        return jobs;
    }

    /// <summary>
    /// Acks the current job and makes <paramref name="next"/> (the next prefetched one) current,
    /// without waiting for the reply. Redis runs a connection's commands in order, so whatever the
    /// worker sends next sees this done. It never falls back to EVAL: a late fallback would run
    /// after later commands. If it is lost (unknown script after a Redis restart, dropped
    /// connection), the rids stop matching and the next reserve hands the held jobs back, so they
    /// run again rather than vanish.
    /// </summary>
    public void Advance(string? ackRid, Reservation next)
    {
        var now = _time.GetUtcNow();
        RedisValue[] argv = [Keys.Namespace, WorkerId, ackRid ?? "", next.Rid, now.ToUnixTimeMilliseconds(), ResqueTime.Iso(now)];
        _ = _db.ScriptEvaluateAsync(PoolScripts.Advance.Sha1Bytes, keys: null, values: argv).ContinueWith(t =>
        {
            if (t.Exception?.InnerException is RedisServerException e && e.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal))
                Volatile.Write(ref _advanceMissing, true);
        }, TaskScheduler.Default);
    }

    private bool _advanceMissing = true;

    /// <summary>Loads the advance script before a batch is handed out, when Redis may not know it.</summary>
    private async Task EnsureAdvanceLoadedAsync()
    {
        if (!Volatile.Read(ref _advanceMissing)) return;
        await _db.ExecuteAsync("SCRIPT", "LOAD", PoolScripts.Advance.Source).ConfigureAwait(false);
        Volatile.Write(ref _advanceMissing, false);
    }

    /// <summary>Gives the unstarted prefetched jobs back to the heads of their queues, in order.</summary>
    public async Task<int> ReleaseAsync() =>
        (int)(long)await ScriptRunner.RunAsync(_db, PoolScripts.Release, [Keys.Namespace, WorkerId]).ConfigureAwait(false);

    /// <summary>
    /// Puts the job back at the head of its queue: unchanged, or as <paramref name="payload"/>
    /// (an iteration job's checkpoint). Never counts an attempt. False when it was no longer held.
    /// </summary>
    public async Task<bool> RequeueAsync(Reservation job, string? payload = null)
    {
        RedisValue[] argv = payload is null ? [Keys.Namespace, WorkerId, job.Rid] : [Keys.Namespace, WorkerId, job.Rid, payload];
        var r = (RedisResult[])(await ScriptRunner.RunAsync(_db, PoolScripts.Requeue, argv).ConfigureAwait(false))!;
        return r.Length > 0;
    }

    /// <summary>Replaces the held payload (an iteration cursor), so a recovery after kill -9 resumes from it. False when no longer held.</summary>
    public async Task<bool> CheckpointAsync(Reservation job, string payload)
    {
        var r = await ScriptRunner.RunAsync(_db, PoolScripts.Checkpoint, [Keys.Namespace, WorkerId, job.Rid, payload]).ConfigureAwait(false);
        return (long)r == 1;
    }

    /// <summary>Moves the job to resque:failed with Resque's failure shape; <paramref name="payload"/> replaces the held one in the record.</summary>
    public async Task<bool> FailAsync(Reservation job, string exception, string error, IEnumerable<string> backtrace, string? payload = null)
    {
        var failure = FailureRecord.Build(_time.GetUtcNow(), payload ?? job.Payload, exception, error, backtrace, WorkerId, job.Queue);
        var r = await ScriptRunner.RunAsync(_db, PoolScripts.Fail, [Keys.Namespace, WorkerId, job.Rid, failure]).ConfigureAwait(false);
        return (long)r == 1;
    }

    /// <summary>Clean exit: leaves both registries; a job still held goes back to its queue.</summary>
    public Task UnregisterAsync() => ScriptRunner.RunAsync(_db, PoolScripts.Unregister, [Keys.Namespace, WorkerId]);
}
