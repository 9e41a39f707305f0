using Pool.Master.Observability;

namespace Pool.Master.Supervision;

/// <summary>Publishing what the loop sees, for /status and /metrics, without letting anyone else touch the loop's state.</summary>
internal sealed partial class Supervisor
{
    private readonly DateTimeOffset _startedAt = TimeProvider.System.GetUtcNow();
    // Loop-owned: respawns of a slot after its worker exited.
    private long _restarts;

    /// <summary>Set when the HTTP endpoint is on; null keeps the loop from building snapshots nobody reads.</summary>
    public SnapshotBoard? Board { get; init; }

    private void PublishSnapshot(DateTimeOffset now)
    {
        if (Board is null) return;
        var views = new List<WorkerView>();
        foreach (var slot in _groups.SelectMany(g => g.Slots))
        {
            if (slot.Child is { } child) views.Add(View(child, slot));
            else
            {
                var waiting = slot.SpawnAt is { } at && at > now;
                var empty = waiting ? "backoff" : _waitingForMemory.Contains(slot.Group.Group.QueueList) ? "memory" : "starting";
                views.Add(new WorkerView(null, null, slot.Group.Group.Key, slot.Number, empty, null,
                    slot.Restarts, slot.Backoff.IsLooping, slot.SpawnAt, null));
            }
        }
        // Retiring workers (HUP, TTOU, WINCH) have no slot but are still ours until reaped.
        foreach (var child in _children.Values.Where(c => c.Slot is null)) views.Add(View(child, null));

        var state = _mode != StopMode.None ? "stopping" : _paused ? "paused" : "running";
        Board.Publish(new MasterSnapshot(now, _startedAt, state, views, _restarts) { Capacity = _capacityView });
    }

    private static WorkerView View(Child child, Slot? slot)
    {
        var state = child.Stop switch
        {
            null => "running",
            { KilledAt: not null } => "killed",
            _ => "stopping",
        };
        return new WorkerView(child.Pid, child.WorkerId, child.Group.Key, child.SlotNumber, state, child.StartedAt,
            slot?.Restarts ?? 0, slot?.Backoff.IsLooping ?? false, null, child.Stop?.Reason);
    }
}
