using Pool.Protocol.Retries;
using Pool.Protocol.Working;

namespace Pool.Worker.Running;

/// <summary>
/// The real <see cref="IWorkerStore"/>: each call goes straight to <see cref="WorkerStore"/> and
/// hands back its task as it is (no await, no allocation of its own), so the reserve-and-ack hot
/// path costs what it cost before the seam.
/// </summary>
internal sealed class RedisWorkerStore(WorkerStore store) : IWorkerStore
{
    public string WorkerId => store.WorkerId;
    public TimeSpan Lease => store.Lease;
    public long LeaseRenewedAt => store.LeaseRenewedAt;
    public Task RegisterAsync() => store.RegisterAsync();
    public Task<bool> HeartbeatAsync(bool resqueHeartbeat) => store.HeartbeatAsync(resqueHeartbeat);
    public Task<bool> IsInResqueRegistryAsync() => store.IsInResqueRegistryAsync();
    public Task<ReserveResult> ReserveAsync(string? ackRid, bool reserve, string? ackRetryCounter = null) => store.ReserveAsync(ackRid, reserve, ackRetryCounter);
    public Task<RequeueOutcome> RequeueAsync(Reservation job, string? payload) => store.PutBackAsync(job, payload);
    public Task<bool> CheckpointAsync(Reservation job, string payload) => store.CheckpointAsync(job, payload);
    public Task<FailureSettled> FailAsync(Reservation job, string exception, string error, IEnumerable<string> backtrace, string? payload) =>
        store.SettleFailureAsync(job, exception, error, backtrace, payload);
    public Task UnregisterAsync() => store.UnregisterAsync();
}
