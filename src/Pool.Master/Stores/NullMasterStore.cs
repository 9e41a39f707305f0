using Pool.Protocol.Recovery;

namespace Pool.Master.Stores;

/// <summary>A store that knows nothing: no jobs to recover, nobody busy. Used until Redis is wired in, and by tests.</summary>
internal sealed class NullMasterStore : IMasterStore
{
    public static NullMasterStore Instance { get; } = new();

    public bool IsConnected => true;

    public Task<RecoveryOutcome> RecoverWorkerAsync(string workerId, CancellationToken ct = default) => Task.FromResult(RecoveryOutcome.Nothing);

    public Task<IReadOnlyList<RecoveryOutcome>> RecoverForeignAsync(IReadOnlyCollection<int> pids, CancellationToken ct = default) =>
        Task.FromResult<IReadOnlyList<RecoveryOutcome>>([]);

    public Task<int> RecoverExpiredAsync(CancellationToken ct = default) => Task.FromResult(0);

    public Task VouchAsync(IReadOnlyCollection<string> workerIds, CancellationToken ct = default) => Task.CompletedTask;

    public Task<int> ChargeAsync(IReadOnlyCollection<string> workerIds, CancellationToken ct = default) => Task.FromResult(0);

    public Task<IReadOnlySet<string>> BusyWorkersAsync(IReadOnlyCollection<string> workerIds, CancellationToken ct = default) =>
        Task.FromResult<IReadOnlySet<string>>(new HashSet<string>());

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
