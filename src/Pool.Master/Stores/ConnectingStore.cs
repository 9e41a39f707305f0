using Pool.Protocol.Recovery;

namespace Pool.Master.Stores;

/// <summary>
/// A store whose connection is still being made. Supervision must not wait for Redis: when
/// Redis is down at start, the first connect attempt takes the client's whole connect timeout,
/// and the workers must be running by then. So the master starts connecting, starts its
/// workers, and each call here waits for the connection (bounded by GuardedStore's timeout).
/// </summary>
internal sealed class ConnectingStore(Task<IMasterStore> connecting) : IMasterStore
{
    public bool IsConnected => connecting.IsCompletedSuccessfully && connecting.Result.IsConnected;

    public async Task<RecoveryOutcome> RecoverWorkerAsync(string workerId, CancellationToken ct = default) =>
        await (await connecting.WaitAsync(ct).ConfigureAwait(false)).RecoverWorkerAsync(workerId, ct).ConfigureAwait(false);

    public async Task<IReadOnlyList<RecoveryOutcome>> RecoverForeignAsync(IReadOnlyCollection<int> pids, CancellationToken ct = default) =>
        await (await connecting.WaitAsync(ct).ConfigureAwait(false)).RecoverForeignAsync(pids, ct).ConfigureAwait(false);

    public async Task<int> RecoverExpiredAsync(CancellationToken ct = default) =>
        await (await connecting.WaitAsync(ct).ConfigureAwait(false)).RecoverExpiredAsync(ct).ConfigureAwait(false);

    public async Task VouchAsync(IReadOnlyCollection<string> workerIds, CancellationToken ct = default) =>
        await (await connecting.WaitAsync(ct).ConfigureAwait(false)).VouchAsync(workerIds, ct).ConfigureAwait(false);

    public async Task<int> ChargeAsync(IReadOnlyCollection<string> workerIds, CancellationToken ct = default) =>
        await (await connecting.WaitAsync(ct).ConfigureAwait(false)).ChargeAsync(workerIds, ct).ConfigureAwait(false);

    public async Task<IReadOnlySet<string>> BusyWorkersAsync(IReadOnlyCollection<string> workerIds, CancellationToken ct = default) =>
        await (await connecting.WaitAsync(ct).ConfigureAwait(false)).BusyWorkersAsync(workerIds, ct).ConfigureAwait(false);

    public async Task PingAsync(CancellationToken ct = default) =>
        await (await connecting.WaitAsync(ct).ConfigureAwait(false)).PingAsync(ct).ConfigureAwait(false);

    public async Task<IReadOnlySet<string>> RegisteredWorkersAsync(IReadOnlyCollection<string> workerIds, CancellationToken ct = default) =>
        await (await connecting.WaitAsync(ct).ConfigureAwait(false)).RegisteredWorkersAsync(workerIds, ct).ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        // A connect that never finished has nothing to close; one that failed already fell back to the null store.
        if (connecting.IsCompletedSuccessfully) await connecting.Result.DisposeAsync().ConfigureAwait(false);
    }
}
