namespace Pool.Protocol.Working;

/// <summary>A job this worker holds: it sits in the worker's in-flight hash until ack, requeue or fail.</summary>
/// <param name="Rid">Reservation id; ack, requeue and fail only act when it still matches.</param>
/// <param name="Queue">The queue it came from, and goes back to.</param>
/// <param name="Payload">The payload exactly as it was in the queue.</param>
public sealed record Reservation(string Rid, string Queue, string Payload);

public enum ReserveStatus { Job, Empty, Paused, Acked, Swept }

/// <summary>What one reserve round trip found.</summary>
public sealed record ReserveResult(ReserveStatus Status, Reservation? Job = null)
{
    public static ReserveResult Of(Reservation job) => new(ReserveStatus.Job, job);

    public static readonly ReserveResult Empty = new(ReserveStatus.Empty);
    public static readonly ReserveResult Paused = new(ReserveStatus.Paused);
    public static readonly ReserveResult Acked = new(ReserveStatus.Acked);
    /// <summary>A recovery took this worker's job and registration (its lease had expired): register again before reserving.</summary>
    public static readonly ReserveResult Swept = new(ReserveStatus.Swept);
}
