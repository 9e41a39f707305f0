using System.ComponentModel;
using System.Diagnostics;
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

    /// <summary>
    /// How long one pass may spend starting processes. A start costs 2 to 60 ms (more while the
    /// workers started before it compete for the cores), so filling 30 slots at once held the loop
    /// for 2 s, and a HUP to `count: auto` (338 workers on a 24 GB host) for over a minute, during
    /// which TERM, a second TERM and HUP went unhandled. Past this the pass stops, the loop handles
    /// its events, and the next pass goes on at once.
    /// </summary>
    private static readonly TimeSpan SpawnSlice = TimeSpan.FromMilliseconds(100);

    /// <summary>The last pass stopped at <see cref="SpawnSlice"/> with slots still to fill: the loop comes back at once.</summary>
    public bool Unfinished { get; private set; }

    /// <summary>The memory budget's gate for one pass (see CapacityKeeper); null admits every spawn.</summary>
    public Func<CapacityKeeper.BudgetGate>? Gate { get; init; }

    /// <summary>Lets a standby go (StopPlan.Dismiss); null keeps them whatever the budget says.</summary>
    public Action<Child, DateTimeOffset>? DismissStandby { get; init; }

    /// <summary>
    /// Adds missing slots, gives every empty slot a standby if one is there, or else a new worker
    /// once its backoff has passed and it fits the memory budget (unless paused by WINCH); then
    /// starts the standbys that are due.
    /// </summary>
    public void FillSlots(DateTimeOffset now)
    {
        Unfinished = false;
        if (table.Paused) return;
        table.AddMissingSlots();
        var gate = Gate?.Invoke();
        var slice = Stopwatch.StartNew();
        foreach (var slot in table.EmptySlots.ToList())
        {
            // A standby already counts in the budget: it takes the slot without asking the gate.
            // It takes it during the slot's backoff too: the backoff slows process starts, and a
            // standby is started already (before, six quick kills made the slot wait 1.6 s for a
            // standby that was ready). The process its promotion costs, the next standby, waits
            // for its place's backoff instead (TryPromote).
            if (TryPromote(slot, now)) continue;
            if (slot.SpawnAt > now) continue;
            if (gate is not null && !gate.Admits(slot.Group)) continue;
            Spawn(slot, now);
            if (SliceSpent(slice)) return;
        }
        // A slot that waits for memory gets the standbys' memory: they go (each holds nothing).
        if (gate is { HoldsBackWorkers: true } && DismissStandby is { } dismiss)
        {
            foreach (var standby in table.StandingBy.Where(c => c.Stop is null).ToList()) dismiss(standby, now);
        }
        // Standbys after every slot, so the budget serves the workers first.
        foreach (var place in table.DueEmptyStandbys(now).ToList())
        {
            if (gate is not null && !gate.Admits(place.Group, standby: true)) continue;
            SpawnStandby(place, now);
            if (SliceSpent(slice)) return;
        }
        // A standby just started once the backoff allowed it goes to a slot still backing off
        // now, not when the slot's own backoff ends (nothing wakes the loop before that).
        foreach (var slot in table.EmptySlots.ToList()) TryPromote(slot, now);
    }

    /// <summary>
    /// Whether this pass has started processes for as long as it may; the rest waits for the next
    /// pass (<see cref="Unfinished"/>), after the loop has handled what came meanwhile.
    /// </summary>
    private bool SliceSpent(Stopwatch slice)
    {
        if (slice.Elapsed < SpawnSlice) return false;
        Unfinished = true;
        return true;
    }

    /// <summary>Puts a standby of the slot's group in the slot: it registers and takes jobs at once, with no process start.</summary>
    private bool TryPromote(Slot slot, DateTimeOffset now)
    {
        // The oldest first: it is the likeliest to be connected and waiting already (one just
        // started for a slot taken a moment ago is still starting).
        var place = slot.Group.Standbys.Where(p => p.Child is { Stop: null }).MinBy(p => p.Child!.StartedAt);
        if (place?.Child is not { } child || !child.Process.Promote(slot.Number)) return false;
        place.Child = null;
        // A standby taken by a crash-looping slot counts as a quick exit of its place, so the
        // standby started for it waits for the place's backoff. Otherwise a slot that kills each
        // worker (a poison job, a killer) would get a new standby at each death, as fast as they
        // came: the place's backoff counts only standbys that die waiting (a promoted one that
        // dies is the slot's crash), and the hold-off waits only for children still alive.
        if (slot.Backoff.IsLooping) place.SpawnAt = now + place.Backoff.Exited().Delay;
        child.Standby = null;
        child.Slot = slot;
        child.SlotNumber = slot.Number;
        Seat(slot, child);
        log.Information("standby worker {Pid} took {Group} slot {Slot}", child.Pid, slot.Group.Group.Key, slot.Number);
        return true;
    }

    private void SpawnStandby(StandbyPlace place, DateTimeOffset now)
    {
        var group = place.Group.Group;
        try
        {
            var argv = group.Argv(settings.WorkerCommand);
            var env = ChildEnvironment.ForStandby(settings, group, _masterPid, table.WorkersPaused);
            var process = os.Start(argv, env, exited => post(new ChildExited(exited)), standby: true);
            place.Child = new Child(process, group, -1, now) { Standby = place };
        }
        catch (Exception e) when (e is Win32Exception or InvalidOperationException or FormatException or IOException or ArgumentException)
        {
            var step = place.Backoff.Exited();
            place.SpawnAt = now + step.Delay;
            if (!place.Backoff.IsLooping || step.StartedLooping)
                log.Error("could not start a standby worker for {Group}: {Error}", group.Key, e.Message);
            return;
        }
        place.SpawnAt = null;
        place.HeldOffSince = null;
        place.Backoff.Started();
        table.Add(place.Child);
        if (!place.Backoff.IsLooping)
            log.Information("spawned standby worker {Pid} for {Group}", place.Child.Pid, group.Key);
    }

    private void Spawn(Slot slot, DateTimeOffset now)
    {
        var group = slot.Group.Group;
        Child child;
        try
        {
            // The config loader has split this command once already; splitting inside the try
            // keeps the loop alive even if a future path skips that check.
            var argv = group.Argv(settings.WorkerCommand);
            var env = ChildEnvironment.For(settings, group, slot.Number, _masterPid, table.WorkersPaused);
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

        Seat(slot, child);
        table.Add(child);
        if (!slot.Backoff.IsLooping)
            log.Information("spawned worker {Pid} for {Group} slot {Slot}", child.Pid, group.Key, slot.Number);
    }

    private void Seat(Slot slot, Child child)
    {
        slot.Child = child;
        slot.SpawnAt = null;
        if (slot.EverSpawned)
        {
            slot.Restarts++;
            Restarts++;
        }
        slot.EverSpawned = true;
        slot.Backoff.Started();
    }
}
