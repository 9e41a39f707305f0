using System.Collections.Concurrent;
using Pool.Protocol.Connection;
using Pool.Protocol.Recovery;
using Serilog;

namespace Pool.Master.Stores;

/// <summary>
/// The master's only door to Redis. Supervision comes first: every call is bounded by a timeout
/// (WaitAsync as well as the token, since a store may check the token only once),
/// runs off the supervisor's loop, and turns a failure into a log line, never an exception. The
/// loop never awaits Redis; results come back as events or not at all.
/// </summary>
internal sealed class GuardedStore(IMasterStore inner, ILogger log, TimeSpan timeout) : IAsyncDisposable
{
    // 1 while a lease sweep runs, so a slow Redis never piles sweeps up.
    private int _sweeping;
    // Written only by the sweep task, which never runs twice at once: logs the change of state, not each failure.
    private bool _sweepFailing;

    private static readonly TimeSpan SettleMargin = TimeSpan.FromMilliseconds(500);
    // Where a job that the exiting master could not recover goes next: never lost, but not back at once.
    private const string LeftInRedis = "it stays recorded in Redis under the worker's id, for the lease sweep of any Pool process (a Pool worker's job) or Resque's prune (a foreign worker's)";
    // Recoveries running now, so the master can wait for them before it exits.
    private readonly ConcurrentDictionary<Task, string> _recovering = new();
    // Recoveries that failed while the master runs; the next lease sweep retries them.
    private readonly Dictionary<string, (int Pid, IReadOnlyList<int> Pids)> _retry = [];
    private readonly Lock _retryGate = new();
    // Set (under _retryGate) once the master is exiting: no sweep follows, so failures are final.
    private bool _settling;
    // Set (under _retryGate) when the master exits without waiting, Redis being unreachable.
    private bool _abandoned;
    private Task _sweep = Task.CompletedTask;

    /// <summary>False while Redis is known to be unreachable.</summary>
    public bool IsConnected => inner.IsConnected;

    /// <summary>Counts what recovery did, for /metrics.</summary>
    public Observability.MasterCounters Counters { get; } = new();

    /// <summary>
    /// Recovers what a dead child held, without blocking the loop: the jobs of foreign workers
    /// registered under its pids (<paramref name="pids"/>: the child and the rest of its group),
    /// then its own Pool job. Tracked until done, so <see cref="SettleAsync"/> can wait for it.
    /// </summary>
    public void RecoverWorker(string workerId, int pid, IReadOnlyList<int>? pids = null) => Start(workerId, pid, pids ?? [pid], retry: false);

    private void Start(string workerId, int pid, IReadOnlyList<int> pids, bool retry)
    {
        var task = Task.Run(() => RecoverAsync(workerId, pid, pids, retry));
        _recovering[task] = workerId;
        _ = task.ContinueWith(t => _recovering.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <param name="retry">A retry fails quietly while the master runs: the first failure said it all.</param>
    private async Task RecoverAsync(string workerId, int pid, IReadOnlyList<int> pids, bool retry)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await RecoverBothAsync(workerId, pid, pids, cts.Token).WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            lock (_retryGate)
            {
                // Given up on at exit, and said so there.
                if (_abandoned) return;
                if (!_settling)
                {
                    // True only because SweepExpiredLeases retries it: a foreign worker's job has no lease to sweep.
                    _retry[workerId] = (pid, pids);
                    if (!retry) log.Warning("could not recover the job of dead worker {Pid} ({WorkerId}): {Error}; retrying with the next lease sweep", pid, workerId, e.Message);
                    return;
                }
            }
            log.Error("could not recover the job of dead worker {Pid} ({WorkerId}) before exiting: {Error}; " + LeftInRedis, pid, workerId, e.Message);
        }
    }

    private async Task RecoverBothAsync(string workerId, int pid, IReadOnlyList<int> pids, CancellationToken ct)
    {
        // A lane after the first (concurrency N) has no pids to look for: the first lane's recovery did.
        if (pids.Count > 0)
            foreach (var dirty in await inner.RecoverForeignAsync(pids, ct).ConfigureAwait(false)) Report(pid, dirty);
        Report(pid, await inner.RecoverWorkerAsync(workerId, ct).ConfigureAwait(false));
    }

    private void Report(int pid, RecoveryOutcome outcome)
    {
        switch (outcome.Action)
        {
            case RecoveryAction.Requeued: Counters.AddRecovered(); break;
            case RecoveryAction.Poisoned:
                Counters.AddPoisoned();
                log.Warning("dead worker {Pid} was running {JobClass} on {Queue}, which has now taken down {Attempts} workers: it is poisoned and moved to resque:failed, not run again; fix it, then retry it: `pool-master failed list` gives its N for `pool-master failed retry N`",
                    pid, outcome.JobClass, outcome.Queue, outcome.Attempts);
                return;
            case RecoveryAction.QueueRemoved:
                log.Warning("dead worker {Pid} was running {JobClass} on {Queue}, a queue removed since: recorded in resque:failed as Pool::QueueRemoved instead of requeued, so the queue stays removed; retry it from there if it should still run",
                    pid, outcome.JobClass, outcome.Queue);
                return;
            case RecoveryAction.DirtyExit:
                Counters.AddDirtyExit();
                log.Warning("dead worker {Pid} was running {JobClass} on {Queue} as foreign worker {WorkerId}: recorded in resque:failed as Resque::DirtyExit, as Resque does, since whether it finished cannot be known; retry it from there if it is safe to run again",
                    pid, outcome.JobClass, outcome.Queue, outcome.WorkerId);
                return;
            default: return;
        }
        log.Information("recovered the job of dead worker {Pid}: requeued {JobClass} on {Queue} at the head of its queue, attempt {Attempts}",
            pid, outcome.JobClass, outcome.Queue, outcome.Attempts);
    }

    /// <summary>
    /// Before the master exits: retries the recoveries that failed, and waits for every recovery
    /// and sweep still running, bounded by the store timeout. Whatever cannot finish is logged
    /// here, before the exit line. Later failures are final (no sweep follows), and say so.
    /// </summary>
    public async Task SettleAsync()
    {
        RetryFailedRecoveries(settling: true);
        var pending = _recovering.ToArray();
        if (!inner.IsConnected)
        {
            // Each would only wait for its timeout; TERM to exit must stay fast when Redis is down.
            lock (_retryGate) _abandoned = true;
            if (pending.Length > 0)
                log.Error("Redis is unreachable: exiting without checking whether the exited worker(s) {WorkerIds} held a job; if one did, " + LeftInRedis, string.Join(", ", pending.Select(p => p.Value)));
            return;
        }
        var all = Task.WhenAll(pending.Select(p => p.Key).Append(Volatile.Read(ref _sweep)));
        // Each call is bounded by the timeout already; this only guards against one that is not.
        if (await Task.WhenAny(all, Task.Delay(timeout + SettleMargin)).ConfigureAwait(false) == all) return;
        foreach (var (task, id) in pending.Where(p => !p.Key.IsCompleted))
            log.Error("the recovery of dead worker {WorkerId} did not finish within {TimeoutMs:0} ms; exiting without it", id, (timeout + SettleMargin).TotalMilliseconds);
    }

    /// <summary>Recovers workers whose lease expired, unless a sweep is still running. Fire and forget.</summary>
    public void SweepExpiredLeases()
    {
        RetryFailedRecoveries(settling: false);
        if (Interlocked.Exchange(ref _sweeping, 1) == 1) return;
        _sweep = Task.Run(async () =>
        {
            using var cts = new CancellationTokenSource(timeout);
            try
            {
                var recovered = await inner.RecoverExpiredAsync(cts.Token).WaitAsync(timeout).ConfigureAwait(false);
                if (_sweepFailing) log.Information("lease sweep works again");
                _sweepFailing = false;
                if (recovered > 0) log.Information("lease sweep recovered {Count} expired worker(s)", recovered);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                if (!_sweepFailing) log.Warning("lease sweep failed: {Error}; retrying quietly until it works", e.Message);
                _sweepFailing = true;
            }
            finally
            {
                Volatile.Write(ref _sweeping, 0);
            }
        });
    }

    /// <summary>Renews the leases of the live children, unless the last renewal is still running. Fire and forget.</summary>
    public void VouchFor(IReadOnlyCollection<string> workerIds)
    {
        if (workerIds.Count == 0 || Interlocked.Exchange(ref _vouching, 1) == 1) return;
        _ = Task.Run(async () =>
        {
            using var cts = new CancellationTokenSource(timeout);
            try
            {
                await inner.VouchAsync(workerIds, cts.Token).WaitAsync(timeout).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The workers renew their own leases too; an outage is reported by the sweep.
                log.Debug("could not renew the workers' leases: {Error}", e.Message);
            }
            finally
            {
                Volatile.Write(ref _vouching, 0);
            }
        });
    }

    // 1 while a lease renewal runs, so a slow Redis never piles them up.
    private int _vouching;

    /// <summary>Starts again the recoveries that failed; with <paramref name="settling"/>, for the last time.</summary>
    private void RetryFailedRecoveries(bool settling)
    {
        KeyValuePair<string, (int Pid, IReadOnlyList<int> Pids)>[] retries;
        lock (_retryGate)
        {
            if (_settling) return;
            _settling = settling;
            retries = [.. _retry];
            _retry.Clear();
        }
        foreach (var (id, (pid, pids)) in retries) Start(id, pid, pids, retry: true);
    }

    /// <summary>
    /// Charges the jobs of workers stopped for memory a death (see <see cref="IMasterStore.ChargeAsync"/>);
    /// fire and forget, bounded by the store timeout. Failing costs one uncounted round of the loop.
    /// </summary>
    public void Charge(IReadOnlyCollection<string> workerIds) => _ = Task.Run(async () =>
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await inner.ChargeAsync(workerIds, cts.Token).WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            log.Warning("could not charge the job of worker(s) {WorkerIds} stopped for memory: {Error}", string.Join(", ", workerIds), RedisErrors.Brief(e));
        }
    });

    /// <summary>Which of these workers run a job now; null when the store could not tell in time.</summary>
    public async Task<IReadOnlySet<string>?> BusyWorkersAsync(IReadOnlyCollection<string> workerIds)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            return await inner.BusyWorkersAsync(workerIds, cts.Token).WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            log.Warning("could not ask which workers are busy: {Error}; stopping the newest instead", e.Message);
            return null;
        }
    }

    /// <summary>Which of these workers have registered (are ready for jobs); null when the store could not tell in time, at once when Redis is unreachable.</summary>
    public async Task<IReadOnlySet<string>?> RegisteredWorkersAsync(IReadOnlyCollection<string> workerIds)
    {
        if (!inner.IsConnected) return null;
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            return await inner.RegisteredWorkersAsync(workerIds, cts.Token).WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Asked again a moment later, until the HUP's patience runs out; the outage is said elsewhere.
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await inner.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            log.Warning("closing the Redis store failed: {Error}", e.Message);
        }
    }
}
