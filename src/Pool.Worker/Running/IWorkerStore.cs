using Pool.Protocol.Retries;
using Pool.Protocol.Working;

namespace Pool.Worker.Running;

/// <summary>
/// What a worker lane asks of Redis: the seam between its loop, liveness and exit on one side and
/// <see cref="WorkerStore"/>'s scripts on the other (<see cref="RedisWorkerStore"/>), so the stop
/// logic can also be driven in process by a fake store and a fake clock. Each call is one round
/// trip; see <see cref="WorkerStore"/> for what each does.
/// </summary>
internal interface IWorkerStore
{
    string WorkerId { get; }

    /// <summary>How long the liveness lease lasts.</summary>
    TimeSpan Lease { get; }

    /// <summary>When a reserve last renewed the lease, as a timestamp of the worker's clock.</summary>
    long LeaseRenewedAt { get; }

    Task RegisterAsync();

    /// <summary>False: the worker was swept as dead.</summary>
    Task<bool> HeartbeatAsync(bool resqueHeartbeat);

    Task<bool> IsInResqueRegistryAsync();

    /// <summary>
    /// Acks <paramref name="ackRid"/> (when given) and, when <paramref name="reserve"/>, takes the next job.
    /// <paramref name="ackRetryCounter"/>: the acked job was a retry, whose resque-retry counter the ack deletes.
    /// </summary>
    Task<ReserveResult> ReserveAsync(string? ackRid, bool reserve, string? ackRetryCounter = null);

    /// <summary>Puts the held job back at the head of its queue (<paramref name="payload"/>: a checkpoint); a memory-charged one may turn poison.</summary>
    Task<RequeueOutcome> RequeueAsync(Reservation job, string? payload);

    Task<bool> CheckpointAsync(Reservation job, string payload);

    /// <summary>Fails the held job: a retry when its policy allows one, else into the failed list.</summary>
    Task<FailureSettled> FailAsync(Reservation job, string exception, string error, IEnumerable<string> backtrace, string? payload);

    Task UnregisterAsync();
}
