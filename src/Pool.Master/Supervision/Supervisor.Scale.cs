using Mono.Unix.Native;
using Pool.Master.Config;

namespace Pool.Master.Supervision;

/// <summary>
/// Changing the pool while it runs: HUP (new generation first, then retire the old one), WINCH
/// (retire everyone, keep the master), TTIN/TTOU (one more or one fewer per group). A retired
/// child leaves its slot at once, so it is never respawned, and gets TERM with its deadline.
/// </summary>
internal sealed partial class Supervisor
{
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
    private void Reload()
    {
        if (_mode != StopMode.None)
        {
            _log.Information("HUP ignored: stopping");
            return;
        }
        if (_reloading)
        {
            _reloadAgain = true;
            return;
        }
        _reloading = true;
        var load = _reloadConfig;
        _ = Task.Run(() => Post(ConfigLoaded.From(load)));
    }

    private void OnConfigLoaded(ConfigLoaded loaded)
    {
        _reloading = false;
        if (_reloadAgain)
        {
            _reloadAgain = false;
            Reload();
            return;
        }
        if (_mode != StopMode.None) return;
        if (loaded.Config is not { } config)
        {
            _log.Error("HUP: config rejected, keeping the running one: {Error}", loaded.Error);
            if (_paused) Resume(_config, "the running config");
            return;
        }
        MasterHost.LogConfigWarnings(config, _log);
        // The recurring schedule reloads with the rest of the config (Scheduling/).
        Scheduling.SchedulerHost.Current?.UseSchedule(config.Schedule);
        Resume(config, config.SourcePath);
    }

    /// <summary>New generation first: its workers start now, and only then the old ones get TERM.</summary>
    private void Resume(PoolConfig config, string source)
    {
        var old = _children.Values.Where(c => c.Slot is not null).ToList();
        _config = config;
        _groups = config.Groups.Select(g => new GroupState(g)).ToList();
        _paused = false;
        _log.Information("HUP: starting {Workers} worker(s) in {Groups} group(s) from {ConfigPath}, then retiring {Old} old worker(s)",
            config.TotalWorkers, config.Groups.Count, source, old.Count);
        FillSlots(Now);
        foreach (var child in old) Retire(child, "replaced by HUP");
    }

    private void Pause()
    {
        if (_mode != StopMode.None) return;
        _paused = true;
        var count = 0;
        foreach (var group in _groups)
        {
            foreach (var slot in group.Slots)
            {
                if (slot.Child is { } child) { Retire(child, "WINCH"); count++; }
            }
            group.Slots.Clear();
        }
        _log.Information("WINCH: stopping {Count} worker(s); the master keeps running, HUP brings them back", count);
    }

    private void Resize(int delta)
    {
        if (_mode != StopMode.None || _paused) return;
        foreach (var group in _groups) group.Desired = Math.Max(0, group.Desired + delta);
        _log.Information("{Signal}: now {Sizes} until the next HUP",
            delta > 0 ? "TTIN" : "TTOU", string.Join(", ", _groups.Select(g => $"{g.Group.Key}={g.Desired}")));
        if (delta < 0) AskWhoIsBusy();
    }

    private void AskWhoIsBusy()
    {
        if (_trimPending) return;
        _trimPending = true;
        var ids = _children.Values.Where(c => c.Slot is not null).Select(c => c.WorkerId).ToList();
        _ = Task.Run(async () => Post(new BusyWorkersKnown(await _store.BusyWorkersAsync(ids).ConfigureAwait(false))));
    }

    /// <summary>Brings every group down to its wanted size: empty slots first, then idle workers, newest first.</summary>
    private void TrimExcess(IReadOnlySet<string>? busy)
    {
        _trimPending = false;
        if (_mode != StopMode.None) return;
        foreach (var group in _groups)
        {
            var victims = group.Slots
                .OrderBy(s => s.Child is null ? 0 : busy is not null && busy.Contains(s.Child.WorkerId) ? 2 : 1)
                .ThenByDescending(s => s.Child?.StartedAt ?? DateTimeOffset.MaxValue)
                .Take(Math.Max(0, group.Slots.Count - group.Desired))
                .ToList();
            foreach (var slot in victims)
            {
                group.Slots.Remove(slot);
                if (slot.Child is { } child) Retire(child, "TTOU");
            }
        }
    }

    private void Retire(Child child, string reason)
    {
        child.Slot = null;
        _log.Information("stage signal: retiring worker {Pid} ({Group} slot {Slot}): {Reason}", child.Pid, child.Group.Key, child.SlotNumber, reason);
        RequestStop(child, Signum.SIGTERM, reason, withDeadline: true);
    }
}
