namespace Pool.Master.Observability;

/// <summary>
/// What the supervisor's loop looked like at one moment. Built on the loop, then only read by
/// other threads (the HTTP endpoint), so it is immutable: nothing here points back into the
/// loop's own mutable state.
/// </summary>
/// <param name="State">running, paused (WINCH: no workers), workers-paused (USR2 until CONT), or stopping.</param>
/// <param name="Restarts">Respawns of a slot after its worker exited, since the master started.</param>
internal sealed record MasterSnapshot(DateTimeOffset At, DateTimeOffset MasterStartedAt, string State, IReadOnlyList<WorkerView> Workers, long Restarts)
{
    public static readonly MasterSnapshot Starting = new(DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, "starting", [], 0);

    /// <summary>Memory budget and autoscaling, as of the last capacity sample.</summary>
    public Capacity.CapacityView? Capacity { get; init; }
}

/// <summary>One slot's worker, or an empty slot waiting for its respawn, or a retiring worker without a slot.</summary>
/// <param name="State">running, stopping, killed, backoff (empty slot waiting) or starting (empty slot due now).</param>
/// <param name="CrashLooping">The slot's backoff is engaged: its workers keep dying soon after start.</param>
/// <param name="NextSpawnAt">For an empty slot, when the next worker starts.</param>
internal sealed record WorkerView(
    int? Pid, string? WorkerId, string Group, int Slot, string State, DateTimeOffset? StartedAt,
    int Restarts, bool CrashLooping, DateTimeOffset? NextSpawnAt, string? StopReason)
{
    /// <summary>One worker id per lane (`concurrency: N`); the first is <see cref="WorkerId"/>. Empty for an empty slot.</summary>
    public IReadOnlyList<string> LaneIds { get; init; } = [];
}
