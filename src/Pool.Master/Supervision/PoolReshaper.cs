using Pool.Master.Config;
using Pool.Master.Stores;
using Serilog;

namespace Pool.Master.Supervision;

/// <summary>
/// Changing the pool while it runs: HUP (new generation first, then retire the old one), WINCH
/// (retire everyone, keep the master), TTIN/TTOU (one more or one fewer per group). A retired
/// child leaves its slot at once, so it is never respawned, and gets TERM with its deadline.
/// Slow work (reading the file, asking Redis who is busy) runs off the loop and comes back as an event.
/// </summary>
internal sealed class PoolReshaper(SlotTable table, StopPlan stops, WorkerSpawner spawner, GuardedStore store,
    Func<PoolConfig> reloadConfig, Action<MasterEvent> post, ILogger log)
{
    /// <summary>A HUP's old workers, until the new ones are ready.</summary>
    public GenerationHandover Handover { get; } = new(table, stops, store, post, log);

    // True while a TTOU's "who is busy?" question is out; its answer comes back as BusyWorkersKnown.
    private bool _trimPending;
    // True while a HUP's config load runs off the loop; its answer comes back as ConfigLoaded.
    private bool _reloading;
    // A HUP came during that load: read the file again once it ends.
    private bool _reloadAgain;

    /// <summary>
    /// HUP: the file is read and checked off the loop (a big or slow file must not delay a
    /// respawn), and the result comes back as <see cref="ConfigLoaded"/>. A HUP that arrives
    /// while a load runs makes the loop read the file once more when it ends, so the newest file wins.
    /// </summary>
    public void Reload()
    {
        if (stops.IsStopping)
        {
            log.Information("HUP ignored: stopping");
            return;
        }
        if (_reloading)
        {
            _reloadAgain = true;
            return;
        }
        _reloading = true;
        _ = Task.Run(() => post(ConfigLoaded.From(reloadConfig)));
    }

    public void OnConfigLoaded(ConfigLoaded loaded, DateTimeOffset now)
    {
        _reloading = false;
        if (_reloadAgain)
        {
            _reloadAgain = false;
            Reload();
            return;
        }
        if (stops.IsStopping) return;
        if (loaded.Config is not { } config)
        {
            log.Error("HUP: config rejected, keeping the running one: {Error}", loaded.Error);
            if (table.Paused) StartGeneration(table.Config, "the running config", now);
            return;
        }
        config.LogWarnings(log);
        // The recurring schedule reloads with the rest of the config (Scheduling/).
        Scheduling.SchedulerHost.Current?.UseSchedule(config.Schedule);
        StartGeneration(config, config.SourcePath, now);
    }

    /// <summary>
    /// Sizes the new generation's autoscaled groups before their first spawn (CapacityKeeper's);
    /// gets the old workers and whether WINCH had stopped them, returns the words for the HUP line.
    /// </summary>
    public Func<IReadOnlyList<Child>, bool, IReadOnlyList<string>>? SizeGeneration { get; init; }

    /// <summary>New generation first: its workers start now, and the old ones get TERM once the new ones are ready.</summary>
    private void StartGeneration(PoolConfig config, string source, DateTimeOffset now)
    {
        var resumed = table.Paused;
        // The old generation's standbys would start the old code's workers: they go at once.
        var standbys = table.StandingBy.ToList();
        var old = table.StartGeneration(config);
        foreach (var standby in standbys) stops.Dismiss(standby, "HUP", now);
        var scaled = SizeGeneration?.Invoke(old, resumed) ?? [];
        // After WINCH no worker is left to retire: the line says only what starts.
        var retiring = old.Count == 0 ? "" : $", then retiring {old.Count} old worker(s) once the new ones are ready";
        log.Information("HUP: starting {Workers} worker(s) in {Groups} group(s) from {ConfigPath}{Retiring:l}{Scaled}",
            table.Groups.Sum(g => (long)g.Desired), config.Groups.Count, source, retiring, string.Concat(scaled.Select(w => "; " + w)));
        spawner.FillSlots(now);
        Handover.Begin(old, now);
    }

    /// <summary>WINCH: every worker is retired and the slots stay empty until HUP.</summary>
    public void Pause(DateTimeOffset now)
    {
        if (stops.IsStopping) return;
        table.Paused = true;
        var count = 0;
        foreach (var group in table.Groups)
        {
            foreach (var slot in group.Slots)
            {
                if (slot.Child is { } child) { stops.Retire(child, "WINCH", now, finishJob: true); count++; }
            }
            group.Slots.Clear();
            group.Standbys.Clear();
        }
        foreach (var standby in table.StandingBy.ToList()) stops.Dismiss(standby, "WINCH", now);
        count += Handover.RetireForPause(now);
        log.Information("WINCH: stopping {Count} worker(s), each after its current job; the master keeps running, HUP brings them back", count);
    }

    /// <summary>TTIN (+1) or TTOU (-1) for every group, until the next HUP.</summary>
    public void Resize(int delta)
    {
        if (stops.IsStopping || table.Paused) return;
        foreach (var group in table.Groups) group.Desired = Math.Max(0, group.Desired + delta);
        log.Information("{Signal}: now {Sizes} until the next HUP",
            delta > 0 ? "TTIN" : "TTOU", string.Join(", ", table.Groups.Select(g => $"{g.Group.Key}={g.Desired}")));
        if (delta < 0) AskWhoIsBusy();
    }

    private void AskWhoIsBusy()
    {
        if (_trimPending) return;
        _trimPending = true;
        var ids = table.Seated.SelectMany(c => c.WorkerIds).ToList();
        _ = Task.Run(async () => post(new BusyWorkersKnown(await store.BusyWorkersAsync(ids).ConfigureAwait(false))));
    }

    /// <summary>Brings every group down to its wanted size: empty slots first, then idle workers, newest first.</summary>
    public void TrimExcess(IReadOnlySet<string>? busy, DateTimeOffset now)
    {
        _trimPending = false;
        if (stops.IsStopping) return;
        foreach (var group in table.Groups)
        {
            var victims = group.Slots
                .OrderBy(s => s.Child is null ? 0 : busy is not null && s.Child.RunsAJob(busy) ? 2 : 1)
                .ThenByDescending(s => s.Child?.StartedAt ?? DateTimeOffset.MaxValue)
                .Take(Math.Max(0, group.Slots.Count - group.Desired))
                .ToList();
            foreach (var slot in victims)
            {
                group.Slots.Remove(slot);
                if (slot.Child is { } child) stops.Retire(child, "TTOU", now, finishJob: true);
            }
        }
    }
}
