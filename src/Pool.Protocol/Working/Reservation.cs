namespace Pool.Protocol.Working;

/// <summary>A job this worker holds: it sits in the worker's in-flight hash until ack, requeue or fail.</summary>
/// <param name="Rid">Reservation id; ack, requeue and fail only act when it still matches.</param>
/// <param name="Queue">The queue it came from, and goes back to.</param>
/// <param name="Payload">The payload exactly as it was in the queue.</param>
public sealed record Reservation(string Rid, string Queue, string Payload);

public enum ReserveStatus { Job, Empty, Paused, Acked }

/// <summary>What one reserve round trip found: with a batch, the first job is current and the rest wait unstarted.</summary>
public sealed record ReserveResult(ReserveStatus Status, IReadOnlyList<Reservation>? Jobs = null)
{
    /// <summary>The first (current) job of a <see cref="ReserveStatus.Job"/> result.</summary>
    public Reservation? Job => Jobs is { Count: > 0 } ? Jobs[0] : null;

    public static readonly ReserveResult Empty = new(ReserveStatus.Empty);
    public static readonly ReserveResult Paused = new(ReserveStatus.Paused);
    public static readonly ReserveResult Acked = new(ReserveStatus.Acked);
}
