using Mono.Unix.Native;
using Pool.Master.Capacity;

namespace Pool.Master.Supervision;

/// <summary>A capacity sample finished off the loop: PSS of the children, and the autoscaled groups' load.</summary>
internal sealed record CapacitySampled(CapacityMeasure Measure) : MasterEvent;

/// <summary>
/// The loop's side of memory-aware sizing and autoscaling; the decisions themselves are the
/// pure types of Pool.Master.Capacity. Each housekeeping tick (1 s) starts a sample off the loop
/// when none is out; its answer comes back as <see cref="CapacitySampled"/>, and each autoscaled
/// group's <see cref="Autoscaler"/> turns it into its new size. More workers: the slots are added
/// and filled as usual, through the budget gate. Fewer: empty slots go first, then idle workers,
/// newest first, each with QUIT (it finishes its job, nothing is killed or requeued).
/// TTIN/TTOU move an autoscaled group's range by one; HUP starts its autoscaler again from the
/// new range, at the size it had if that is inside.
/// </summary>
internal sealed partial class Supervisor
{
    // All loop-owned. Autoscalers by queue list, so a HUP can carry a group's size over.
    private readonly Dictionary<string, Autoscaler> _scalers = new(StringComparer.Ordinal);
    private readonly Dictionary<int, long> _pss = [];
    private readonly Dictionary<int, DateTimeOffset> _pssAt = [];

    /// <summary>
    /// Children measured per sample. Reading smaps_rollup walks the page tables of every mapping,
    /// about 3.5 ms for a .NET worker here, so the children take turns: the unmeasured first,
    /// then the longest unmeasured. The budget uses each child's last figure meanwhile.
    /// </summary>
    private const int PssReadsPerSample = 4;

    private static readonly TimeSpan PssSettleTime = TimeSpan.FromSeconds(2);
    private long? _masterPss;
    private bool _sampling;
    private long _samples;
    private string? _sampleError;
    private CapacitySampler? _sampler;
    private IReadOnlyDictionary<string, GroupLoad> _loads = new Dictionary<string, GroupLoad>();
    private readonly Dictionary<string, (string Text, DateTimeOffset At)> _lastDecision = new(StringComparer.Ordinal);
    private readonly Dictionary<(string, string), long> _decisions = [];
    private readonly Dictionary<string, long> _budgetRefusals = new(StringComparer.Ordinal);
    // Groups whose spawns the budget holds back now: logged when it starts and when it ends.
    private readonly HashSet<string> _waitingForMemory = new(StringComparer.Ordinal);
    private CapacityView? _capacityView;

    private static readonly MemoryBudget NoBudget = new(long.MaxValue, "no capacity plan (config not loaded from a file)");

    private MemoryBudget Budget => _config.Capacity?.Budget ?? NoBudget;

    private void StartCapacitySample(DateTimeOffset now)
    {
        if (_sampling || _mode != StopMode.None) return;
        _sampling = true;
        foreach (var group in _groups) ScalerFor(group);
        var probes = _groups.Where(g => g.Group.Scaling is not null)
            .Select(g => new GroupProbe(g.Group.QueueList, g.Group.Queues, g.Slots.Where(s => s.Child is { Stop: null }).Select(s => s.Child!.WorkerId).ToList()))
            .ToList();
        // A worker still starting is far below what it will take: it counts at its estimate until it settled.
        var pids = _children.Values.Where(c => now - c.StartedAt >= PssSettleTime).Select(c => c.Pid)
            .OrderBy(pid => _pssAt.TryGetValue(pid, out var at) ? at : DateTimeOffset.MinValue).Take(PssReadsPerSample).ToList();
        _sampler ??= new CapacitySampler(_settings.RedisUrl, _settings.Namespace, _time);
        var sampler = _sampler;
        var view = _capacityView = BuildCapacityView(now);
        // Without autoscaling nothing changes fast: `status` gets the picture every fifth sample, sparing Redis.
        var publish = probes.Count > 0 || _samples++ % 5 == 0 ? view : null;
        var timeout = _options.StoreTimeout;
        _ = Task.Run(async () => Post(new CapacitySampled(await sampler.SampleAsync(pids, probes, publish, timeout).ConfigureAwait(false))));
    }

    private void OnCapacitySampled(CapacityMeasure m)
    {
        _sampling = false;
        foreach (var gone in _pss.Keys.Where(pid => !_children.ContainsKey(pid)).ToList())
        {
            _pss.Remove(gone);
            _pssAt.Remove(gone);
        }
        foreach (var (pid, bytes) in m.Pss.Where(p => _children.ContainsKey(p.Key)))
        {
            _pss[pid] = bytes;
            _pssAt[pid] = Now;
        }
        _masterPss = m.MasterPss;
        if (m.Error != _sampleError && (m.Error is null || _groups.Any(g => g.Group.Scaling is not null)))
        {
            if (m.Error is not null) _log.Warning("autoscale: cannot read the queues ({Error}); autoscaled groups keep their size until Redis answers", m.Error);
            else _log.Information("autoscale: reading the queues again");
            _sampleError = m.Error;
        }
        if (m.Loads is null || _mode != StopMode.None || _paused) return;
        _loads = m.Loads;
        foreach (var group in _groups)
        {
            if (ScalerFor(group) is not { } scaler || !m.Loads.TryGetValue(group.Group.QueueList, out var load)) continue;
            var headroom = Budget.Headroom(UsedMemory(), WorkerCost.Estimate(group.Group, MeasuredPss(group)));
            if (scaler.Decide(load, headroom) is not { } decision) continue;
            Record(group, decision);
            group.Desired = scaler.Size;
            if (decision.Direction == ScaleDirection.Down) ShrinkIdleFirst(group, m.Busy);
        }
    }

    /// <summary>One log line per decision, counted for /metrics and kept for status.</summary>
    private void Record(GroupState group, ScaleDecision d)
    {
        var key = group.Group.QueueList;
        _decisions[(key, d.Name)] = _decisions.GetValueOrDefault((key, d.Name)) + 1;
        var text = d.Direction == ScaleDirection.Capped ? $"stays at {d.To}: {d.Reason}" : $"{d.From} -> {d.To}: {d.Reason}";
        _lastDecision[key] = (text, Now);
        if (d.Direction == ScaleDirection.Capped) _log.Warning("autoscale {Group}: {Decision}", group.Group.Key, text);
        else _log.Information("autoscale {Group}: {Decision}", group.Group.Key, text);
    }

    /// <summary>Down to the wanted size: empty slots first, then idle workers, newest first, with QUIT.</summary>
    private void ShrinkIdleFirst(GroupState group, IReadOnlySet<string> busy)
    {
        var victims = group.Slots
            .OrderBy(s => s.Child is null ? 0 : busy.Contains(s.Child.WorkerId) ? 2 : 1)
            .ThenByDescending(s => s.Child?.StartedAt ?? DateTimeOffset.MaxValue)
            .Take(Math.Max(0, group.Slots.Count - group.Desired))
            .ToList();
        foreach (var slot in victims)
        {
            group.Slots.Remove(slot);
            if (slot.Child is not { } child) continue;
            child.Slot = null;
            _log.Information("stage signal: retiring worker {Pid} ({Group} slot {Slot}): autoscale down, QUIT: it finishes its current job, then exits",
                child.Pid, child.Group.Key, child.SlotNumber);
            RequestStop(child, Signum.SIGQUIT, "autoscale", withDeadline: false);
        }
    }

    /// <summary>The group's autoscaler, made at first sight (also after a HUP, carrying over the size its queue list had).</summary>
    private Autoscaler? ScalerFor(GroupState group)
    {
        if (group.Group.Scaling is not { } rule) return null;
        var key = group.Group.QueueList;
        if (_scalers.TryGetValue(key, out var scaler) && scaler.Owner == group) return scaler;
        scaler = new Autoscaler(rule, _time, scaler?.Size) { Owner = group };
        _scalers[key] = scaler;
        group.Desired = scaler.Size;
        return scaler;
    }

    /// <summary>TTIN/TTOU on an autoscaled group: its range moves by one.</summary>
    private void ShiftScaling(GroupState group, int delta)
    {
        if (ScalerFor(group) is not { } scaler) return;
        scaler.Shift(delta);
        group.Desired = scaler.Size;
    }

    private IEnumerable<long> MeasuredPss(GroupState group) =>
        group.Slots.Where(s => s.Child is not null && _pss.ContainsKey(s.Child.Pid)).Select(s => _pss[s.Child!.Pid]);

    /// <summary>The pool's PSS now: the master and every child, at its group's estimate where not measured yet.</summary>
    private long UsedMemory()
    {
        var used = _masterPss ?? WorkerCost.MasterReserveMb * Megabytes.Bytes;
        foreach (var child in _children.Values)
            used += _pss.TryGetValue(child.Pid, out var bytes) ? bytes : WorkerCost.Estimate(child.Group, EstimateSource(child));
        return used;
    }

    private IEnumerable<long> EstimateSource(Child child) => child.Slot is { } slot ? MeasuredPss(slot.Group) : [];

    /// <summary>
    /// The budget gate of one FillSlots pass: admits a spawn when the pool's PSS plus the worker's
    /// estimate stays within the budget. A refusal is logged when a group starts waiting, and the
    /// end of the wait when it ends; the slot stays empty and is tried again at every pass.
    /// </summary>
    private sealed class BudgetGate(Supervisor owner)
    {
        private long _used = owner.UsedMemory();
        private readonly HashSet<string> _refused = new(StringComparer.Ordinal);

        public bool Admits(Slot slot)
        {
            var group = slot.Group.Group;
            var cost = WorkerCost.Estimate(group, owner.MeasuredPss(slot.Group));
            var budget = owner.Budget;
            if (budget.Bytes == long.MaxValue || _used + cost <= budget.Bytes)
            {
                _used += cost;
                if (owner._waitingForMemory.Remove(group.QueueList))
                    owner._log.Information("memory budget: starting workers for {Group} again ({Used} of {Budget} in use)", group.Key, Megabytes.Format(_used), Megabytes.Format(budget.Bytes));
                return true;
            }
            if (_refused.Add(group.QueueList) && owner._waitingForMemory.Add(group.QueueList))
            {
                owner._budgetRefusals[group.QueueList] = owner._budgetRefusals.GetValueOrDefault(group.QueueList) + 1;
                owner._log.Warning("memory budget: not starting a worker for {Group}: the pool takes {Used} and one more worker ~{Cost}, over the budget of {Budget}; it starts once memory frees",
                    group.Key, Megabytes.Format(_used), Megabytes.Format(cost), budget);
            }
            return false;
        }
    }

    private CapacityView BuildCapacityView(DateTimeOffset now)
    {
        var plan = _config.Capacity;
        var budget = Budget;
        var groups = _groups.Select(g =>
        {
            var key = g.Group.QueueList;
            _loads.TryGetValue(key, out var load);
            var last = _lastDecision.TryGetValue(key, out var d) ? d : default;
            return new GroupCapacityView(g.Group.Key, g.Group.Scaling is { } r ? $"{_scalers.GetValueOrDefault(key)?.Rule.Min ?? r.Min}..{_scalers.GetValueOrDefault(key)?.Rule.Max ?? r.Max}" : null,
                g.Desired, g.Slots.Count(s => s.Child is not null), load?.Waiting, load?.OldestAge?.TotalSeconds, load?.Busy,
                last.Text, last.Text is null ? null : last.At,
                _waitingForMemory.Contains(key) ? g.Slots.Count(s => s.Child is null) : 0);
        }).ToList();
        return new CapacityView(plan?.Limit.Bytes ?? 0, plan?.Limit.Source ?? "unknown", budget.Bytes, budget.Why, UsedMemory(), groups)
        {
            Decisions = new Dictionary<(string, string), long>(_decisions),
            BudgetRefusals = new Dictionary<string, long>(_budgetRefusals),
        };
    }
}
