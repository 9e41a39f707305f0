using Pool.Master.Backoff;
using Pool.Master.Config;
using Pool.Master.Processes;

namespace Pool.Master.Supervision;

/// <summary>
/// Who is where: the groups of the current generation with their slots, and every child from
/// spawn until its exit was handled (including retiring children, which have no slot). Owned
/// by the supervisor loop; nothing here signals or starts a process.
///
/// Invariants: a slot has at most one child; a child is in the table from spawn until its
/// ChildExited event is handled, and only then; a retiring child (HUP, TTOU, WINCH, memory)
/// has no slot, so it is never respawned.
/// </summary>
internal sealed class SlotTable(PoolConfig config, BackoffOptions backoff, TimeProvider time)
{
    private readonly Dictionary<int, Child> _children = [];

    public PoolConfig Config { get; private set; } = config;
    public List<GroupState> Groups { get; private set; } = config.Groups.Select(g => new GroupState(g)).ToList();

    /// <summary>WINCH: workers stopped on purpose; slots stay empty until HUP.</summary>
    public bool Paused { get; set; }

    /// <summary>
    /// USR2 was passed on to the workers and no CONT since: every worker started meanwhile (a
    /// respawn, a standby, TTIN, the autoscaler, a HUP's new generation) starts paused too
    /// (POOL_PAUSED=1), or a crash during a pause for maintenance would bring back one worker
    /// that takes jobs.
    /// </summary>
    public bool WorkersPaused { get; set; }

    public IReadOnlyCollection<Child> Children => _children.Values;
    public int ChildCount => _children.Count;
    public IEnumerable<Slot> Slots => Groups.SelectMany(g => g.Slots);

    /// <summary>Children that fill a slot of the current generation (not retiring).</summary>
    public IEnumerable<Child> Seated => _children.Values.Where(c => c.Slot is not null);

    /// <summary>Children that were asked to leave their slot and are not reaped yet.</summary>
    public IEnumerable<Child> Retiring => _children.Values.Where(c => c.Slot is null && c.Standby is null);

    /// <summary>Standby workers (`standby: N`) of the current generation.</summary>
    public IEnumerable<Child> StandingBy => _children.Values.Where(c => c.Standby is not null);

    public void Add(Child child) => _children.Add(child.Pid, child);

    /// <summary>The child that <paramref name="process"/> was, taken out of the table; false for a process that is not ours (or already handled).</summary>
    public bool TryRemove(IWorkerProcess process, out Child child)
    {
        if (!_children.TryGetValue(process.Pid, out child!) || !ReferenceEquals(child.Process, process)) return false;
        _children.Remove(child.Pid);
        return true;
    }

    /// <summary>Gives every group as many slots as it wants; new slots are empty and due at once.</summary>
    public void AddMissingSlots()
    {
        foreach (var group in Groups)
        {
            while (group.Slots.Count < group.Desired)
                group.Slots.Add(new Slot(group, group.FreeSlotNumber(), new RestartBackoff(backoff, time)));
            while (group.Standbys.Count < group.Group.Standby)
                group.Standbys.Add(new StandbyPlace(group, new RestartBackoff(backoff, time)));
        }
    }

    /// <summary>
    /// A standby starts only once every child is this old: on two cores, a standby started beside
    /// the pool's own workers slowed their start (2 workers ready 620 ms after the master's start
    /// without one, 773 ms with it), and it only matters once they run.
    /// </summary>
    public static readonly TimeSpan StandbyHoldOff = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a due standby waits at most for the pool's children to be past <see cref="StandbyHoldOff"/>:
    /// in a pool that starts a child more often than once a second (a group recycling with
    /// `max_jobs: 1`, a crash loop's first quick restarts, an autoscaler's burst) the youngest child is
    /// never that old, and the standbys of every group waited as long as that went on.
    /// </summary>
    public static readonly TimeSpan StandbyHoldOffLimit = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Empty standby places whose backoff has passed, once no child is still starting
    /// (<see cref="StandbyHoldOff"/>) or they have waited for that for <see cref="StandbyHoldOffLimit"/>;
    /// notes when a place began to wait.
    /// </summary>
    public IEnumerable<StandbyPlace> DueEmptyStandbys(DateTimeOffset now)
    {
        var due = Groups.SelectMany(g => g.Standbys).Where(p => p.Child is null && (p.SpawnAt is null || p.SpawnAt <= now)).ToList();
        // The children are looked at only when a place is due: most pools have no standby.
        if (due.Count == 0 || StandbysFrom() <= now) return due;
        foreach (var place in due) place.HeldOffSince ??= now;
        return due.Where(p => p.HeldOffSince + StandbyHoldOffLimit <= now).ToList();
    }

    /// <summary>When the youngest child is past <see cref="StandbyHoldOff"/>.</summary>
    private DateTimeOffset StandbysFrom() =>
        _children.Count == 0 ? DateTimeOffset.MinValue : _children.Values.Max(c => c.StartedAt) + StandbyHoldOff;

    /// <summary>Empty slots, due or backing off: a standby takes one whatever its backoff (WorkerSpawner.FillSlots).</summary>
    public IEnumerable<Slot> EmptySlots => Slots.Where(s => s.Child is null);

    /// <summary>The earliest backoff that ends, if any slot waits for one.</summary>
    /// <remarks>
    /// A standby place counts only with a time still ahead: one that is due but was not started
    /// (the budget holds it back) must not wake the loop at once, again and again.
    /// </remarks>
    public DateTimeOffset? NextSpawnAt(DateTimeOffset now)
    {
        var slots = Slots.Where(s => s.Child is null && s.SpawnAt is not null).Select(s => s.SpawnAt);
        var empty = Groups.SelectMany(g => g.Standbys).Where(p => p.Child is null).ToList();
        // The children are looked at only when a place is empty: most pools have no standby.
        if (empty.Count == 0) return slots.Min();
        var from = StandbysFrom();
        return slots.Concat(empty.Select(p => (DateTimeOffset?)Later(p.SpawnAt, p.HeldOffSince is { } since && since + StandbyHoldOffLimit < from ? since + StandbyHoldOffLimit : from))
            .Where(t => t > now)).Min();
    }

    private static DateTimeOffset Later(DateTimeOffset? a, DateTimeOffset b) => a is { } t && t > b ? t : b;

    /// <summary>HUP: the groups of <paramref name="next"/> replace the current ones; returns the children of the old generation, which lose their slots.</summary>
    public IReadOnlyList<Child> StartGeneration(PoolConfig next)
    {
        var old = Seated.ToList();
        Config = next;
        Groups = next.Groups.Select(g => new GroupState(g)).ToList();
        Paused = false;
        return old;
    }
}
