using Pool.Protocol.Connection;
using Pool.Protocol.Keys;
using Pool.Protocol.Payloads;
using Pool.Protocol.Scripts;
using StackExchange.Redis;

namespace Pool.Protocol.Recovery;

/// <summary>
/// <see cref="IMasterStore"/> on Redis. Recovery is one atomic script per worker, so a master
/// recovering a child and a sweep racing it cannot both requeue the same job.
/// </summary>
public sealed class RedisMasterStore : IMasterStore
{
    private readonly IDatabase _db;
    private readonly ConnectionMultiplexer? _owned;
    private readonly TimeProvider _time;

    public RedisMasterStore(IConnectionMultiplexer redis, string? ns = null, TimeProvider? time = null, ReplicaConfirmation? confirmation = null)
    {
        _db = redis.GetDatabase();
        Confirmation = confirmation ?? ReplicaConfirmation.For(redis);
        Keys = new ResqueKeys(ns);
        _time = time ?? TimeProvider.System;
        Gate = new SweepGate(_time);
        Gate.Watch(redis);
    }

    private RedisMasterStore(ConnectionMultiplexer owned, string? ns, ReplicaConfirmation confirmation) : this((IConnectionMultiplexer)owned, ns, confirmation: confirmation) => _owned = owned;

    public ResqueKeys Keys { get; }

    public bool IsConnected => _db.Multiplexer.IsConnected;

    /// <summary>How many replicas must hold a recovery before it is reported done.</summary>
    public ReplicaConfirmation Confirmation { get; }

    /// <summary>A worker's job is failed as poison once its worker has died this many times running it.</summary>
    public int MaxAttempts { get; init; } = DefaultMaxAttempts;

    public const int DefaultMaxAttempts = 3;

    /// <summary>The lease this store renews for a master's children, and waits out before it trusts an expired one.</summary>
    public TimeSpan Lease { get; init; } = Working.WorkerLease.Default;

    /// <summary>Holds sweeps back after Redis trouble; see <see cref="SweepGate"/>.</summary>
    public SweepGate Gate { get; }

    /// <summary>How long one sweeper holds the sweep lock.</summary>
    public TimeSpan SweepLockTime { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Connects to <paramref name="redisUrl"/> (REDIS_URL syntax) without failing when Redis is
    /// down: calls fail until it is back, and the connection keeps retrying.
    /// </summary>
    public static async Task<RedisMasterStore> ConnectAsync(string redisUrl, string? ns = null, TimeSpan? lease = null)
    {
        var options = RedisUrl.Parse(redisUrl);
        options.ClientName = "pool-master";
        options.AbortOnConnectFail = false;
        return new RedisMasterStore(await RedisConnector.ConnectAsync(options).ConfigureAwait(false), ns, ReplicaConfirmation.FromUrl(redisUrl))
        {
            Lease = lease ?? Working.WorkerLease.Default,
        };
    }

    public async Task<RecoveryOutcome> RecoverWorkerAsync(string workerId, CancellationToken ct = default) =>
        await RecoverAsync(workerId, onlyIfExpired: false, ct).ConfigureAwait(false) ?? RecoveryOutcome.Nothing;

    /// <summary>Null when a sweep found the worker alive again (its lease was renewed meanwhile).</summary>
    private async Task<RecoveryOutcome?> RecoverAsync(string workerId, bool onlyIfExpired, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var failedAt = ResqueTime.Failed(_time.GetUtcNow());
        var r = (RedisResult[])(await Confirmation.RunAsync(_db, PoolScripts.Recover,
            [Keys.Namespace, workerId, MaxAttempts, failedAt, onlyIfExpired ? "1" : "0"]).ConfigureAwait(false))!;
        if ((string?)r[0] == "alive") return null;
        var action = (string?)r[0] switch
        {
            "requeued" => RecoveryAction.Requeued,
            "poisoned" => RecoveryAction.Poisoned,
            "queue_removed" => RecoveryAction.QueueRemoved,
            "dirty_exit" => RecoveryAction.DirtyExit,
            _ => RecoveryAction.None,
        };
        if (action == RecoveryAction.None) return RecoveryOutcome.Nothing;
        return new RecoveryOutcome(action, (string?)r[1], JobClass((string?)r[2]), (int)(long)r[3], action == RecoveryAction.DirtyExit ? workerId : null);
    }

    public async Task<IReadOnlyList<RecoveryOutcome>> RecoverForeignAsync(IReadOnlyCollection<int> pids, CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        RedisValue[] argv = [Keys.Namespace, WorkerIdentity.Host, ResqueTime.Failed(_time.GetUtcNow()), .. pids.Select(p => (RedisValue)p)];
        var r = (RedisResult[])(await ScriptRunner.RunAsync(_db, PoolScripts.RecoverForeign, argv).ConfigureAwait(false))!;
        var outcomes = new List<RecoveryOutcome>();
        for (var i = 0; i + 2 < r.Length; i += 3)
            outcomes.Add(new RecoveryOutcome(RecoveryAction.DirtyExit, (string?)r[i + 1], JobClass((string?)r[i + 2]), WorkerId: (string?)r[i]));
        return outcomes;
    }

    private static string? JobClass(string? payload) =>
        PayloadCodec.TryDecode(payload ?? "", out var decoded, out _) ? decoded!.Class : null;

    public async Task<int> RecoverExpiredAsync(CancellationToken ct = default)
    {
        if (!Gate.IsOpen(Lease)) return 0;
        return await Gate.WatchAsync(() => SweepAsync(ct)).ConfigureAwait(false);
    }

    private async Task<int> SweepAsync(CancellationToken ct)
    {
        // One sweeper at a time across all masters and workers; the lock expires on its own if
        // the sweeper dies, and is released only by the token that took it.
        var token = Guid.NewGuid().ToString("N");
        if (!await _db.StringSetAsync(Keys.SweepLock, token, SweepLockTime, When.NotExists).ConfigureAwait(false)) return 0;
        try
        {
            var recovered = 0;
            foreach (var member in await _db.SetMembersAsync(Keys.PoolWorkers).ConfigureAwait(false))
            {
                ct.ThrowIfCancellationRequested();
                var id = (string)member!;
                if (await _db.KeyExistsAsync(Keys.Lease(id)).ConfigureAwait(false)) continue;
                if (await RecoverAsync(id, onlyIfExpired: true, ct).ConfigureAwait(false) is not null) recovered++;
            }
            return recovered;
        }
        finally
        {
            await _db.ScriptEvaluateAsync(
                "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
                [Keys.SweepLock], [token]).ConfigureAwait(false);
        }
    }

    public async Task VouchAsync(IReadOnlyCollection<string> workerIds, CancellationToken ct = default)
    {
        if (workerIds.Count == 0) return;
        var argv = new RedisValue[2 + workerIds.Count];
        argv[0] = Keys.Namespace;
        argv[1] = (long)Lease.TotalMilliseconds;
        var i = 2;
        foreach (var id in workerIds) argv[i++] = id;
        await Gate.WatchAsync(() => ScriptRunner.RunAsync(_db, PoolScripts.Vouch, argv)).ConfigureAwait(false);
    }

    public Task<IReadOnlySet<string>> BusyWorkersAsync(IReadOnlyCollection<string> workerIds, CancellationToken ct = default) =>
        WhereAsync(workerIds, id => _db.KeyExistsAsync(Keys.InFlight(id)));

    public Task PingAsync(CancellationToken ct = default) => _db.PingAsync();

    public Task<IReadOnlySet<string>> RegisteredWorkersAsync(IReadOnlyCollection<string> workerIds, CancellationToken ct = default) =>
        WhereAsync(workerIds, id => _db.SetContainsAsync(Keys.Workers, id));

    /// <summary>The ids for which <paramref name="check"/> holds, asked of Redis all at once (pipelined).</summary>
    private static async Task<IReadOnlySet<string>> WhereAsync(IReadOnlyCollection<string> workerIds, Func<string, Task<bool>> check)
    {
        var checks = workerIds.Select(id => (id, task: check(id))).ToList();
        await Task.WhenAll(checks.Select(c => c.task)).ConfigureAwait(false);
        return checks.Where(c => c.task.Result).Select(c => c.id).ToHashSet();
    }

    public async Task<int> ChargeAsync(IReadOnlyCollection<string> workerIds, CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        if (workerIds.Count == 0) return 0;
        RedisValue[] argv = [Keys.Namespace, MaxAttempts, ResqueTime.Failed(_time.GetUtcNow()), .. workerIds.Select(id => (RedisValue)id)];
        return (int)(long)(await Confirmation.RunAsync(_db, PoolScripts.Charge, argv).ConfigureAwait(false));
    }

    public async ValueTask DisposeAsync()
    {
        if (_owned is not null) await _owned.DisposeAsync().ConfigureAwait(false);
    }
}
