namespace Pool.Protocol.Recovery;

/// <summary>
/// What pool-master asks of Redis. The master supervises processes first and talks to Redis
/// second: every call here may fail (Redis down) and the master must log it and go on.
/// </summary>
public interface IMasterStore : IAsyncDisposable
{
    /// <summary>False while the store knows it cannot answer (Redis unreachable), so an exiting master does not wait on it.</summary>
    bool IsConnected { get; }

    /// <summary>
    /// A child died: put its in-flight job (if any) back at the head of its queue with its
    /// attempt count raised, or fail it as poison after the limit, and remove the worker from
    /// the registry. Safe to call twice and safe to race with a lease sweep.
    /// </summary>
    Task<RecoveryOutcome> RecoverWorkerAsync(string workerId, CancellationToken ct = default);

    /// <summary>
    /// A child died: record the job of every foreign worker (one that registered the Resque way,
    /// host:pid:queues) with one of these pids on this host in the failed list as Resque's
    /// DirtyExit, and remove those registrations. Pool's own workers are left to
    /// <see cref="RecoverWorkerAsync"/>. Returns one outcome per job recorded.
    /// </summary>
    Task<IReadOnlyList<RecoveryOutcome>> RecoverForeignAsync(IReadOnlyCollection<int> pids, CancellationToken ct = default);

    /// <summary>Recover every Pool worker whose liveness lease has expired (any host). Returns how many were recovered.</summary>
    Task<int> RecoverExpiredAsync(CancellationToken ct = default);

    /// <summary>
    /// Renews the leases of these workers, the master's live children, so that a child that is
    /// alive but silent (stopped, paused, stuck behind an outage) is never swept elsewhere.
    /// </summary>
    Task VouchAsync(IReadOnlyCollection<string> workerIds, CancellationToken ct = default);

    /// <summary>Of these worker ids, the ones running a job right now (for idle-first scale-down).</summary>
    Task<IReadOnlySet<string>> BusyWorkersAsync(IReadOnlyCollection<string> workerIds, CancellationToken ct = default);

    /// <summary>
    /// Of these worker ids, the ones registered in Resque's worker set: started and connected,
    /// ready for jobs (a Pool worker registers just before its first reserve; a Ruby Resque
    /// worker registers the same way). A HUP retires the old workers once the new ones are.
    /// A store that cannot tell says every one is (nothing to wait for).
    /// </summary>
    /// <summary>Completes when Redis answers a PING: a Redis that hangs with its connection open (SIGSTOP, CLIENT PAUSE) is still "connected".</summary>
    Task PingAsync(CancellationToken ct = default) => Task.CompletedTask;

    Task<IReadOnlySet<string>> RegisteredWorkersAsync(IReadOnlyCollection<string> workerIds, CancellationToken ct = default) =>
        Task.FromResult<IReadOnlySet<string>>(workerIds.ToHashSet());

    /// <summary>
    /// These live workers are being stopped because their job blew the memory limit: the job
    /// each runs now counts a death when the worker requeues it, as a crash would, so such a job
    /// ends as poison instead of looping. Returns how many held a job.
    /// </summary>
    Task<int> ChargeAsync(IReadOnlyCollection<string> workerIds, CancellationToken ct = default);
}

/// <summary>What recovery did with a dead worker's job.</summary>
/// <param name="Action">None (it held no job), Requeued, or Poisoned (sent to the failed list).</param>
/// <param name="Queue">The job's queue, when there was a job.</param>
/// <param name="JobClass">The job's class, when it could be read.</param>
/// <param name="Attempts">The attempt count after this recovery.</param>
/// <param name="WorkerId">The registration it was found under, for a foreign worker's job.</param>
public sealed record RecoveryOutcome(RecoveryAction Action, string? Queue = null, string? JobClass = null, int Attempts = 0, string? WorkerId = null)
{
    public static readonly RecoveryOutcome Nothing = new(RecoveryAction.None);
}

/// <summary>DirtyExit: a foreign worker's job, recorded in the failed list the way Resque records it.</summary>
public enum RecoveryAction { None, Requeued, Poisoned, DirtyExit, QueueRemoved }

/// <summary>Resque's worker id, host:pid:queues, as both Pool's worker and its master compute it.</summary>
public static class WorkerIdentity
{
    public static string Host { get; } = System.Net.Dns.GetHostName();

    /// <summary>
    /// pool-worker's --procline value: it matches the ps pattern by which a Ruby Resque worker
    /// tells live workers on its host (resque:work|resque-[0-9], never resque-web), so Ruby does
    /// not prune a live Pool worker.
    /// </summary>
    public const string RubyVisibleProcline = "resque-0:pool-worker";

    public static string For(int pid, string queueList) => For(Host, pid, queueList);

    public static string For(string host, int pid, string queueList) => $"{host}:{pid}:{queueList}";

    /// <summary>
    /// The worker ids of one process's lanes (concurrency N): lane 0 is the plain id, lane i the
    /// same id with "~i" after the host. Each lane is a Resque worker of its own, so resque-web shows
    /// one line and one job per lane; see <see cref="WorkerLanes"/> for why the host carries the lane.
    /// </summary>
    public static IReadOnlyList<string> Lanes(int pid, string queueList, int concurrency) =>
        [.. Enumerable.Range(0, Math.Max(1, concurrency)).Select(lane => WorkerLanes.Id(Host, pid, queueList, lane))];

    /// <summary>
    /// Splits an id back into host, pid and queue list. The queue list holds no colon but the
    /// host might, so the pid is the last all-digit part before the queue list.
    /// </summary>
    public static (string Host, int? Pid, string Queues) Parse(string id)
    {
        var parts = id.Split(':');
        for (var i = parts.Length - 2; i >= 1; i--)
        {
            if (int.TryParse(parts[i], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var pid))
                return (string.Join(':', parts[..i]), pid, string.Join(':', parts[(i + 1)..]));
        }
        return (id, null, "");
    }
}
