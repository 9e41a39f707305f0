using Pool.Master.Observability;

namespace Pool.Master.Supervision;

/// <summary>Publishing what the loop sees, for /status and /metrics, without letting anyone else touch the loop's state.</summary>
internal sealed class SnapshotPublisher(SlotTable table, StopPlan stops, WorkerSpawner spawner, SnapshotBoard board, TimeProvider time)
{
    // The supervisor's own clock, so uptime in /status follows a test's fake clock too.
    private readonly DateTimeOffset _startedAt = time.GetUtcNow();

    /// <summary>Memory budget and autoscaling; null leaves them out.</summary>
    public CapacityKeeper? Capacity { get; init; }

    public void Publish(DateTimeOffset now)
    {
        var views = new List<WorkerView>();
        foreach (var slot in table.Slots)
        {
            if (slot.Child is { } child) views.Add(View(child, slot));
            else
            {
                var waiting = slot.SpawnAt is { } at && at > now;
                var empty = waiting ? "backoff" : Capacity?.IsWaitingForMemory(slot.Group) == true ? "memory" : "starting";
                views.Add(new WorkerView(null, null, slot.Group.Group.Key, slot.Number, empty, null,
                    slot.Restarts, slot.Backoff.IsLooping, slot.SpawnAt, null));
            }
        }
        // Retiring workers (HUP, TTOU, WINCH) have no slot but are still ours until reaped.
        foreach (var child in table.Retiring) views.Add(View(child, null));
        // Standbys (`standby: N`) have no slot yet (-1) and no job.
        foreach (var child in table.StandingBy) views.Add(View(child, null) with { State = child.Stop is null ? "standby" : "stopping", WorkerId = null, LaneIds = [] });

        var state = stops.IsStopping ? "stopping" : table.Paused ? "paused" : table.WorkersPaused ? "workers-paused" : "running";
        board.Publish(new MasterSnapshot(now, _startedAt, state, views, spawner.Restarts) { Capacity = Capacity?.View });
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
            slot?.Restarts ?? 0, slot?.Backoff.IsLooping ?? false, null, child.Stop?.Reason)
        { LaneIds = child.WorkerIds };
    }
}
