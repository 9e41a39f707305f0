using Pool.Master.Config;
using Pool.Master.Processes;

namespace Pool.Master.Supervision;

/// <summary>
/// One worker process from spawn until its exit has been handled. Owned by the supervisor loop;
/// only <see cref="Process"/> is touched by another thread (the runtime, which reaps it).
/// </summary>
internal sealed class Child(IWorkerProcess process, WorkerGroup group, int slotNumber, DateTimeOffset startedAt)
{
    public IWorkerProcess Process { get; } = process;
    public int Pid { get; } = process.Pid;
    /// <summary>The group it was started for; a retiring child keeps the group of its generation.</summary>
    public WorkerGroup Group { get; } = group;
    /// <summary>The slot's number; -1 while it stands by (a standby gets its slot's number when it takes the slot).</summary>
    public int SlotNumber { get; set; } = slotNumber;
    public DateTimeOffset StartedAt { get; } = startedAt;
    public string WorkerId { get; } = Pool.Protocol.Recovery.WorkerIdentity.For(process.Pid, group.QueueList);
    /// <summary>One id per lane (the group's concurrency); the first is <see cref="WorkerId"/>.</summary>
    public IReadOnlyList<string> WorkerIds { get; } = GroupConcurrency.WorkerIds(process.Pid, group);

    /// <summary>Whether any of its lanes is among <paramref name="busy"/> (worker ids that run a job): such a worker is stopped last.</summary>
    public bool RunsAJob(IReadOnlySet<string> busy) => WorkerIds.Any(busy.Contains);

    /// <summary>The slot it fills, or null once it is retiring (HUP, TTOU, WINCH) and must not be respawned.</summary>
    public Slot? Slot { get; set; }

    /// <summary>The place it stands by in (`standby: N`): no slot and no jobs yet. Null for every other child.</summary>
    public StandbyPlace? Standby { get; set; }

    /// <summary>Set once the master asked it to stop.</summary>
    public StopRequest? Stop { get; set; }

    /// <summary>Relayed signals it cannot take yet (it has just started).</summary>
    public HeldSignals Held { get; } = new();

    /// <summary>Young enough that an uncaught USR1 or USR2 is held for it rather than sent.</summary>
    public bool IsYoung(DateTimeOffset now) => now - StartedAt < HeldSignals.YoungFor;
}

/// <summary>The stages of one child's stop: signal sent, optional kill deadline, SIGKILL sent.</summary>
internal sealed class StopRequest(string reason, string signal, DateTimeOffset requestedAt, DateTimeOffset? killAt)
{
    public string Reason { get; } = reason;
    public string Signal { get; set; } = signal;
    public DateTimeOffset RequestedAt { get; } = requestedAt;
    /// <summary>When the process group gets SIGKILL; null means no deadline (QUIT).</summary>
    public DateTimeOffset? KillAt { get; set; } = killAt;
    public DateTimeOffset? KilledAt { get; set; }
}
