using Pool.Master.Config;

namespace Pool.Master.Supervision;

/// <summary>A config group of the current generation, its wanted size (config count plus TTIN/TTOU) and its slots.</summary>
internal sealed class GroupState(WorkerGroup group)
{
    public WorkerGroup Group { get; } = group;
    public int Desired { get; set; } = group.Count;
    public List<Slot> Slots { get; } = [];
    /// <summary>Its standby places (`standby: N`), made with its slots.</summary>
    public List<StandbyPlace> Standbys { get; } = [];

    /// <summary>The lowest slot number not in use, so numbers stay small and stable.</summary>
    public int FreeSlotNumber()
    {
        var used = Slots.Select(s => s.Number).ToHashSet();
        var n = 0;
        while (used.Contains(n)) n++;
        return n;
    }
}
