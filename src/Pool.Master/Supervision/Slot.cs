using Pool.Master.Backoff;

namespace Pool.Master.Supervision;

/// <summary>
/// A place for one worker in a group. Its number is stable: a respawn reuses it and the worker
/// sees it as POOL_WORKER_SLOT. It keeps the restart backoff across respawns.
/// </summary>
internal sealed class Slot(GroupState group, int number, RestartBackoff backoff)
{
    public GroupState Group { get; } = group;
    public int Number { get; } = number;
    public RestartBackoff Backoff { get; } = backoff;
    public Child? Child { get; set; }
    /// <summary>When the next spawn may happen (backoff); null or past means now.</summary>
    public DateTimeOffset? SpawnAt { get; set; }
    /// <summary>How many times a worker was started here after the first (for /status and /metrics).</summary>
    public int Restarts { get; set; }
    /// <summary>Whether a worker was ever started in this slot, so the next start counts as a restart.</summary>
    public bool EverSpawned { get; set; }
}
