using System.ComponentModel;
using Pool.Master.Config;
using Pool.Master.Processes;
using Serilog;

namespace Pool.Master.Supervision;

/// <summary>Starts a worker in an empty slot, or backs the slot off when it cannot.</summary>
internal sealed class WorkerSpawner(SlotTable table, MasterSettings settings, IWorkerProcesses os, ILogger log, Action<MasterEvent> post)
{
    private readonly int _masterPid = Environment.ProcessId;

    /// <summary>Respawns of a slot after its worker exited (for /status and /metrics).</summary>
    public long Restarts { get; private set; }

    /// <summary>The memory budget's gate for one pass (see CapacityKeeper); null admits every spawn.</summary>
    public Func<CapacityKeeper.BudgetGate>? Gate { get; init; }

    /// <summary>Adds missing slots and starts a worker in every empty slot that is due and fits the memory budget (unless paused by WINCH).</summary>
    public void FillSlots(DateTimeOffset now)
    {
        if (table.Paused) return;
        table.AddMissingSlots();
        var gate = Gate?.Invoke();
        foreach (var slot in table.DueEmptySlots(now).ToList())
        {
            if (gate is null || gate.Admits(slot)) Spawn(slot, now);
        }
    }

    private void Spawn(Slot slot, DateTimeOffset now)
    {
        var group = slot.Group.Group;
        Child child;
        try
        {
            // The config loader has split this command once already; splitting inside the try
            // keeps the loop alive even if a future path skips that check.
            var argv = group.Command is { } own ? ShellWords.Split(own) : settings.WorkerCommand;
            var env = ChildEnvironment.For(settings, group, slot.Number, _masterPid);
            var process = os.Start(argv, env, exited => post(new ChildExited(exited)));
            child = new Child(process, group, slot.Number, now) { Slot = slot };
        }
        catch (Exception e) when (e is Win32Exception or InvalidOperationException or FormatException or IOException or ArgumentException)
        {
            // Treated like a worker that died at once: the slot backs off instead of spinning.
            var step = slot.Backoff.Exited();
            slot.SpawnAt = now + step.Delay;
            if (!slot.Backoff.IsLooping || step.StartedLooping)
                log.Error("could not start a worker for {Group} slot {Slot}: {Error}", group.Key, slot.Number, e.Message);
            return;
        }

        slot.Child = child;
        slot.SpawnAt = null;
        if (slot.EverSpawned)
        {
            slot.Restarts++;
            Restarts++;
        }
        slot.EverSpawned = true;
        slot.Backoff.Started();
        table.Add(child);
        if (!slot.Backoff.IsLooping)
            log.Information("spawned worker {Pid} for {Group} slot {Slot}", child.Pid, group.Key, slot.Number);
    }
}
