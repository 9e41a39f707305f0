using Pool.Protocol.Supervision;
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

    /// <summary>Counts what recovery did, for /metrics.</summary>
    public Observability.MasterCounters Counters { get; } = new();

    /// <summary>Requeues the job a dead worker held. Fire and forget.</summary>
    public void RecoverWorker(string workerId, int pid) => _ = Task.Run(async () =>
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            var outcome = await inner.RecoverWorkerAsync(workerId, cts.Token).WaitAsync(timeout).ConfigureAwait(false);
            if (outcome.Action == RecoveryAction.Requeued) Counters.AddRecovered();
            if (outcome.Action == RecoveryAction.Poisoned) Counters.AddPoisoned();
            if (outcome.Action != RecoveryAction.None)
            {
                log.Information("recovered the job of dead worker {Pid}: {Action} {JobClass} on {Queue}, attempt {Attempts}",
                    pid, outcome.Action, outcome.JobClass, outcome.Queue, outcome.Attempts);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            log.Warning("could not recover the job of dead worker {Pid} ({WorkerId}): {Error}; the lease sweep will retry", pid, workerId, e.Message);
        }
    });

    /// <summary>Recovers workers whose lease expired, unless a sweep is still running. Fire and forget.</summary>
    public void SweepExpiredLeases()
    {
        if (Interlocked.Exchange(ref _sweeping, 1) == 1) return;
        _ = Task.Run(async () =>
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
