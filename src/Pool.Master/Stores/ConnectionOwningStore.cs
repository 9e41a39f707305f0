using Pool.Protocol.Recovery;

namespace Pool.Master.Stores;

/// <summary>A store together with the connection it runs on; disposing it closes both.</summary>
internal sealed class ConnectionOwningStore(IMasterStore inner, IAsyncDisposable connection) : IMasterStore
{
    public Task<RecoveryOutcome> RecoverWorkerAsync(string workerId, CancellationToken ct = default) => inner.RecoverWorkerAsync(workerId, ct);

    public bool IsConnected => inner.IsConnected;

    public Task<IReadOnlyList<RecoveryOutcome>> RecoverForeignAsync(IReadOnlyCollection<int> pids, CancellationToken ct = default) => inner.RecoverForeignAsync(pids, ct);

    public Task<int> RecoverExpiredAsync(CancellationToken ct = default) => inner.RecoverExpiredAsync(ct);

    public Task VouchAsync(IReadOnlyCollection<string> workerIds, CancellationToken ct = default) => inner.VouchAsync(workerIds, ct);

    public Task<int> ChargeAsync(IReadOnlyCollection<string> workerIds, CancellationToken ct = default) => inner.ChargeAsync(workerIds, ct);

    public Task<IReadOnlySet<string>> BusyWorkersAsync(IReadOnlyCollection<string> workerIds, CancellationToken ct = default) =>
        inner.BusyWorkersAsync(workerIds, ct);

    public Task PingAsync(CancellationToken ct = default) => inner.PingAsync(ct);

    public Task<IReadOnlySet<string>> RegisteredWorkersAsync(IReadOnlyCollection<string> workerIds, CancellationToken ct = default) =>
        inner.RegisteredWorkersAsync(workerIds, ct);

    public async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync().ConfigureAwait(false);
        await connection.DisposeAsync().ConfigureAwait(false);
    }
}
