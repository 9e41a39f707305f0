using Pool.Master.Backoff;

namespace Pool.Master.Supervision;

/// <summary>
/// A place for one of a group's standby workers (`standby: N`): a started, connected worker that
/// holds no slot and takes no jobs until a slot of its group needs a worker, then takes it at once
/// (<see cref="WorkerSpawner"/>). The place is refilled like a slot, with its own restart backoff,
/// so a standby that cannot start does not spin.
/// </summary>
internal sealed class StandbyPlace(GroupState group, RestartBackoff backoff)
{
    public GroupState Group { get; } = group;
    public RestartBackoff Backoff { get; } = backoff;
    public Child? Child { get; set; }
    /// <summary>When the next standby may start (backoff); null or past means now.</summary>
    public DateTimeOffset? SpawnAt { get; set; }
    /// <summary>Since when the place has waited for the pool's youngest child to be past the hold-off (<see cref="SlotTable.StandbyHoldOffLimit"/>).</summary>
    public DateTimeOffset? HeldOffSince { get; set; }
}
