using System.ComponentModel;
using Pool.Master.Backoff;
using Pool.Master.Cli;
using Pool.Master.Processes;

namespace Pool.Master.Supervision;

/// <summary>Fixing worker counts: add missing slots and start a worker in every empty slot that is due.</summary>
internal sealed partial class Supervisor
{
    // WINCH: workers stopped on purpose, slots stay empty until HUP.
    private bool _paused;

    private void FillSlots(DateTimeOffset now)
    {
        if (_paused) return;
        var gate = new BudgetGate(this);
        foreach (var group in _groups)
        {
            while (group.Slots.Count < group.Desired)
            {
                group.Slots.Add(new Slot(group, group.FreeSlotNumber(), new RestartBackoff(_options.Backoff, _time)));
            }
            foreach (var slot in group.Slots)
            {
                if (slot.Child is null && (slot.SpawnAt is null || slot.SpawnAt <= now) && gate.Admits(slot)) Spawn(slot, now);
            }
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
            var argv = group.Command is { } own ? ShellWords.Split(own) : _settings.WorkerCommand;
            var env = ChildEnvironment.For(_settings, group, slot.Number, _masterPid);
            var process = ChildLauncher.Start(argv, env, (sender, _) => Post(new ChildExited((System.Diagnostics.Process)sender!)));
            child = new Child(process, group, slot.Number, now) { Slot = slot };
        }
        catch (Exception e) when (e is Win32Exception or InvalidOperationException or FormatException or IOException or ArgumentException)
        {
            // Treated like a worker that died at once: the slot backs off instead of spinning.
            var step = slot.Backoff.Exited();
            slot.SpawnAt = now + step.Delay;
            if (!slot.Backoff.IsLooping || step.StartedLooping)
                _log.Error("could not start a worker for {Group} slot {Slot}: {Error}", group.Key, slot.Number, e.Message);
            return;
        }

        slot.Child = child;
        slot.SpawnAt = null;
        if (slot.EverSpawned)
        {
            slot.Restarts++;
            _restarts++;
        }
        slot.EverSpawned = true;
        slot.Backoff.Started();
        _children.Add(child.Pid, child);
        if (!slot.Backoff.IsLooping)
            _log.Information("spawned worker {Pid} for {Group} slot {Slot}", child.Pid, group.Key, slot.Number);
    }
}
