using Mono.Unix.Native;
using Pool.Master.Capacity;
using Pool.Master.Config;
using Serilog;

namespace Pool.Master.Supervision;

/// <summary>A capacity sample finished off the loop: PSS of some children, and the autoscaled groups' load.</summary>
internal sealed record CapacitySampled(CapacityMeasure Measure) : MasterEvent;

/// <summary>
/// The supervisor's side of memory-aware sizing and autoscaling, owned by the loop; the
/// decisions themselves are the pure types of Pool.Master.Capacity. Each housekeeping tick
/// (1 s) starts a sample off the loop when none is out; its answer comes back as
/// <see cref="CapacitySampled"/>, and each autoscaled group's <see cref="Autoscaler"/> turns it
/// into its new size. More workers: the slots are added and filled as usual, through the
/// budget gate (<see cref="OpenGate"/>). Fewer: empty slots go first, then idle workers, newest
/// first, each with QUIT (it finishes its job; nothing is killed or requeued). TTIN/TTOU move an
/// autoscaled group's range by one; a HUP sizes the new generation's autoscaled groups before
/// they spawn (<see cref="SizeGeneration"/>).
/// </summary>
internal sealed class CapacityKeeper(SlotTable table, StopPlan stops, MasterSettings settings, SupervisorOptions options,
    TimeProvider time, ILogger log, Action<MasterEvent> post)
{
    /// <summary>
    /// Children measured per sample. Reading smaps_rollup walks the page tables of every mapping,
    /// about 3.5 ms for a .NET worker here, so the children take turns: the unmeasured first,
    /// then the longest unmeasured. The budget uses each child's last figure meanwhile.
    /// </summary>
    private const int PssReadsPerSample = 4;

    /// <summary>
    /// A settled child is measured again only after this: a worker's PSS moves slowly, and
    /// reading each child every second was most of an idle master's CPU (perf).
    /// </summary>
    private static readonly TimeSpan PssRefresh = TimeSpan.FromSeconds(10);

    /// <summary>A worker still starting is far below what it will take: it counts at its estimate until then.</summary>
    private static readonly TimeSpan PssSettleTime = TimeSpan.FromSeconds(2);

    // Read once: a process does not change cgroup while it runs (HUP re-reads only pool.yml).
    private readonly MemoryLimit _limit = new MemoryLimitReader().Read();
    private (PoolConfig Config, MemoryBudget Budget)? _budget;

    // The kernel's word on the budget: its OOM kills in the limiting cgroup, and the lower
    // budget the master keeps after one, until the next HUP.
    private OomKillCounter? _oomKills;
    private long? _oomKillsSeen;
    private MemoryBudget? _afterOomKill;

    // The largest PSS any worker of a group has shown since the last HUP, by queue list: a
    // group whose jobs grow big is counted at that size even while its big workers are gone
    // (dead, recycled, or killed by the OOM killer); before, each new burst was sized as if
    // its workers were small.
    private readonly Dictionary<string, long> _largestPss = new(StringComparer.Ordinal);

    // Autoscalers by queue list, so a HUP can carry a group's size over.
    private readonly Dictionary<string, Autoscaler> _scalers = new(StringComparer.Ordinal);
    private readonly Dictionary<int, long> _pss = [];
    private readonly Dictionary<int, DateTimeOffset> _pssAt = [];
    private long? _masterPss;
    private bool _sampling;
    private long _samples;
    private string? _sampleError;
    private CapacitySampler? _sampler;
    private Task _sample = Task.CompletedTask;
    private IReadOnlyDictionary<string, GroupLoad> _loads = new Dictionary<string, GroupLoad>();
    private readonly Dictionary<string, (string Text, DateTimeOffset At)> _lastDecision = new(StringComparer.Ordinal);
    private readonly Dictionary<(string, string), long> _decisions = [];
    private readonly Dictionary<string, long> _budgetRefusals = new(StringComparer.Ordinal);
    // Groups whose spawns the budget holds back now: logged when it starts and when it ends.
    private readonly HashSet<string> _waitingForMemory = new(StringComparer.Ordinal);

    /// <summary>The picture as of the last sample, for /status and /metrics.</summary>
    public CapacityView? View { get; private set; }

    /// <summary>The budget of the running config (its memory_budget, or the limit minus the margin).</summary>
    private MemoryBudget ConfiguredBudget
    {
        get
        {
            if (_budget is not { } cached || !ReferenceEquals(cached.Config, table.Config))
            {
                _budget = cached = (table.Config, MemoryBudget.For(_limit, table.Config.MemoryBudget));
                // A HUP is the way to say the pool changed: both lessons start again.
                _afterOomKill = null;
                _largestPss.Clear();
            }
            return cached.Budget;
        }
    }

    /// <summary>The budget in force: the configured one, or less since the OOM killer struck (<see cref="NoticeOomKills"/>).</summary>
    private MemoryBudget Budget =>
        ConfiguredBudget is var configured && _afterOomKill is { } lowered && lowered.Bytes < configured.Bytes ? lowered : configured;

    /// <summary>Whether the budget holds back this group's empty slots now (their state in /status).</summary>
    public bool IsWaitingForMemory(GroupState group) => _waitingForMemory.Contains(group.Group.QueueList);

    public void StartSample(DateTimeOffset now)
    {
        if (_sampling || stops.IsStopping) return;
        _sampling = true;
        foreach (var group in table.Groups) ScalerFor(group);
        var probes = table.Groups.Where(g => g.Group.Scaling is not null)
            .Select(g => new GroupProbe(g.Group.QueueList, g.Group.Queues, g.Slots.Where(s => s.Child is { Stop: null }).Select(s => s.Child!.WorkerIds).ToList()))
            .ToList();
        // A young worker is still growing (JIT, heap, its first jobs): read at every sample for
        // its first PssRefresh, then once per PssRefresh.
        var pids = table.Children.Where(c => now - c.StartedAt >= PssSettleTime)
            .Where(c => !_pssAt.TryGetValue(c.Pid, out var at) || now - c.StartedAt < PssRefresh || now - at >= PssRefresh)
            .Select(c => c.Pid)
            .OrderBy(pid => _pssAt.TryGetValue(pid, out var at) ? at : DateTimeOffset.MinValue).Take(PssReadsPerSample).ToList();
        _sampler ??= new CapacitySampler(settings.RedisUrl, settings.Namespace, time);
        var sampler = _sampler;
        var view = View = BuildView();
        // Without autoscaling nothing changes fast: `status` gets the picture every fifth sample, sparing Redis.
        var publish = probes.Count > 0 || _samples++ % 5 == 0 ? view : null;
        var timeout = options.StoreTimeout;
        _sample = Task.Run(async () => post(new CapacitySampled(await sampler.SampleAsync(pids, probes, publish, timeout).ConfigureAwait(false))));
    }

    /// <summary>
    /// At the master's exit: waits for a sample still running (it may be publishing), then takes
    /// this master off the capacity board and closes the sampler's connection. Never throws.
    /// </summary>
    public async Task WithdrawAsync()
    {
        if (_sampler is not { } sampler) return;
        await Task.WhenAny(_sample, Task.Delay(options.StoreTimeout)).ConfigureAwait(false);
        await sampler.WithdrawAsync(TimeSpan.FromMilliseconds(500)).ConfigureAwait(false);
    }

    public void OnSampled(CapacityMeasure m, DateTimeOffset now)
    {
        _sampling = false;
        var live = table.Children.ToDictionary(c => c.Pid);
        foreach (var gone in _pss.Keys.Where(pid => !live.ContainsKey(pid)).ToList())
        {
            _pss.Remove(gone);
            _pssAt.Remove(gone);
        }
        foreach (var (pid, bytes) in m.Pss)
        {
            if (!live.TryGetValue(pid, out var child)) continue;
            _pss[pid] = bytes;
            _pssAt[pid] = now;
            if (bytes > _largestPss.GetValueOrDefault(child.Group.QueueList)) _largestPss[child.Group.QueueList] = bytes;
        }
        NoticeOomKills(now);
        _masterPss = m.MasterPss;
        if (m.Error != _sampleError && (m.Error is null || table.Groups.Any(g => g.Group.Scaling is not null)))
        {
            if (m.Error is not null) log.Warning("autoscale: cannot read the queues ({Error}); autoscaled groups keep their size until Redis answers", m.Error);
            else log.Information("autoscale: reading the queues again");
            _sampleError = m.Error;
        }
        if (m.Loads is null) return;
        // Kept even while nothing is decided, so /status and `pool-master status` show the queue
        // as it is: a pause that hid the jobs waiting behind it looked like an empty queue.
        _loads = m.Loads;
        // Paused by USR2, jobs wait for the CONT, not for more workers: more would only wait too,
        // and a long pause would shrink the group to MIN just before the CONT needs it.
        if (stops.IsStopping || table.Paused || table.WorkersPaused) return;
        foreach (var group in table.Groups)
        {
            if (ScalerFor(group) is not { } scaler || !m.Loads.TryGetValue(group.Group.QueueList, out var load)) continue;
            // Standbys give way to workers (see BudgetGate), so the autoscaler does not count them.
            var headroom = Budget.Headroom(UsedMemory(withStandbys: false), WorkerCost.Estimate(group.Group, MeasuredPss(group)));
            if (scaler.Decide(load, headroom) is not { } decision)
            {
                // Not logged again, but status follows the queue while the cap lasts.
                if (scaler.StillCapped is { } reason) _lastDecision[group.Group.QueueList] = ($"stays at {scaler.Size}: {reason}", now);
                continue;
            }
            Record(group, decision, now);
            group.Desired = scaler.Size;
            if (decision.Direction == ScaleDirection.Down) ShrinkIdleFirst(group, m.Busy, now);
        }
    }

    private OomKillCounter? OomKills => _limit.OomEventsPath is { } path ? _oomKills ??= new OomKillCounter(path) : null;

    /// <summary>
    /// When the OOM killer has struck in the pool's cgroup since the last sample, the budget was
    /// more than the cgroup holds: it becomes what the pool counts now (the survivors), so no
    /// group grows and no slot is refilled past it, until the next HUP. Without this the
    /// autoscaler went on growing while the kernel killed workers, and a job that runs fine
    /// alone became poison (a trial under a 400 MB cgroup, 2026-12-04).
    /// </summary>
    private void NoticeOomKills(DateTimeOffset now)
    {
        if (OomKills?.Read() is not { } count) return;
        var seen = _oomKillsSeen;
        _oomKillsSeen = count;
        if (seen is not { } before || count <= before) return;
        var was = Budget;
        // Named after the configured budget, not after an earlier lowering: the reason stays one line.
        _afterOomKill = new MemoryBudget(Math.Min(UsedMemory(), was.Bytes),
            $"lowered at {now:HH:mm:ss} to what the pool counted when the kernel's OOM killer struck in its cgroup, until the next HUP; configured: {ConfiguredBudget}");
        log.Warning("memory budget: the kernel's OOM killer killed {Count} process(es) in {Cgroup}; the budget is now {Budget} (was {Was}), what the pool counted then, until the next HUP: set memory_limit_mb to what a group's jobs take, or lower count",
            count - before, OomKills!.Path, Megabytes.Format(_afterOomKill.Bytes), Megabytes.Format(was.Bytes));
    }

    /// <summary>TTIN (+1) or TTOU (-1): an autoscaled group's range moves by one, and its size with it.</summary>
    public void Shift(int delta)
    {
        if (stops.IsStopping || table.Paused) return;
        foreach (var group in table.Groups)
        {
            if (ScalerFor(group) is not { } scaler) continue;
            scaler.Shift(delta);
            group.Desired = scaler.Size;
            // The TTIN/TTOU line gives sizes only; the range is what moved.
            log.Information("{Signal}: {Group} now autoscaled {Min}..{Max}, at {Size}, until the next HUP",
                delta > 0 ? "TTIN" : "TTOU", group.Group.Key, scaler.Rule.Min, scaler.Rule.Max, scaler.Size);
        }
    }

    /// <summary>One log line per decision, counted for /metrics and kept for status.</summary>
    private void Record(GroupState group, ScaleDecision d, DateTimeOffset now)
    {
        var key = group.Group.QueueList;
        _decisions[(key, d.Name)] = _decisions.GetValueOrDefault((key, d.Name)) + 1;
        var text = d.Direction == ScaleDirection.Capped ? $"stays at {d.To}: {d.Reason}" : $"{d.From} -> {d.To}: {d.Reason}";
        _lastDecision[key] = (text, now);
        if (d.Direction == ScaleDirection.Capped) log.Warning("autoscale {Group}: {Decision}", group.Group.Key, text);
        else log.Information("autoscale {Group}: {Decision}", group.Group.Key, text);
    }

    /// <summary>Down to the wanted size: empty slots first, then idle workers, newest first, with QUIT.</summary>
    private void ShrinkIdleFirst(GroupState group, IReadOnlySet<string> busy, DateTimeOffset now)
    {
        var victims = group.Slots
            .OrderBy(s => s.Child is null ? 0 : s.Child.RunsAJob(busy) ? 2 : 1)
            .ThenByDescending(s => s.Child?.StartedAt ?? DateTimeOffset.MaxValue)
            .Take(Math.Max(0, group.Slots.Count - group.Desired))
            .ToList();
        foreach (var slot in victims)
        {
            group.Slots.Remove(slot);
            if (slot.Child is { } child) stops.Retire(child, "autoscale down", now, finishJob: true);
        }
    }

    /// <summary>
    /// HUP, before the new generation's first spawn: each autoscaled group starts at the size its
    /// queue list had (<see cref="Autoscaler.Reloaded"/>), cut to what the budget holds once the
    /// old generation is gone: the master, the other groups at their size (autoscaled ones at
    /// MIN, then each at its carried size in turn), each worker at its group's estimate. So the
    /// handover, which waits for every new slot to have a ready worker, keeps the old workers
    /// until as many new ones are ready as the group had. All at once rather than one old worker
    /// retired per new one ready: the old generation stays whole until the new one has shown it
    /// starts (a broken deploy keeps every old worker for the handover's patience, as for fixed
    /// groups), and the handover stays one rule for every group (Kubernetes' maxSurge 100%,
    /// maxUnavailable 0). Its cost is memory: old and new run side by side, and where the budget
    /// cannot hold both, a new worker waits at the gate and the handover's patience ends the wait.
    /// Returns the words for the HUP line, one entry per autoscaled group.
    /// </summary>
    /// <param name="old">The old generation's workers (their PSS is the new groups' best estimate).</param>
    /// <param name="resumed">The old generation was stopped by WINCH: its clocks do not carry over.</param>
    public IReadOnlyList<string> SizeGeneration(IReadOnlyList<Child> old, bool resumed)
    {
        var keys = table.Groups.Select(g => g.Group.QueueList).ToHashSet(StringComparer.Ordinal);
        // A group taken out of the config and put back later starts afresh.
        foreach (var gone in _scalers.Keys.Where(k => !keys.Contains(k)).ToList()) _scalers.Remove(gone);
        long Cost(GroupState g) => WorkerCost.Estimate(g.Group, MeasuredPss(old.Where(c => c.Group.QueueList == g.Group.QueueList)));
        var used = (_masterPss ?? WorkerCost.MasterReserveMb * Megabytes.Bytes)
            + table.Groups.Sum(g => (g.Group.Scaling?.Min ?? g.Desired) * Cost(g));
        var words = new List<string>();
        foreach (var group in table.Groups)
        {
            if (group.Group.Scaling is not { } rule) continue;
            var cost = Cost(group);
            var fits = (int)Math.Min(int.MaxValue, (long)rule.Min + Budget.Headroom(used, cost));
            var scaler = ScalerFor(group, fits, keepClocks: !resumed)!;
            used += (scaler.Size - rule.Min) * cost;
            words.Add($"{group.Group.Key}: {scaler.Size} (autoscaled {rule.Min}..{rule.Max}, {scaler.Origin ?? "a new group, at MIN"})");
        }
        return words;
    }

    /// <summary>The group's autoscaler, made at first sight, or after a HUP from the one its queue list had.</summary>
    private Autoscaler? ScalerFor(GroupState group, int fits = int.MaxValue, bool keepClocks = true)
    {
        if (group.Group.Scaling is not { } rule) return null;
        var key = group.Group.QueueList;
        if (_scalers.TryGetValue(key, out var scaler) && ReferenceEquals(scaler.Owner, group)) return scaler;
        scaler = scaler?.Reloaded(rule, fits, group, keepClocks) ?? new Autoscaler(rule, time) { Owner = group };
        _scalers[key] = scaler;
        group.Desired = scaler.Size;
        return scaler;
    }

    private IEnumerable<long> MeasuredPss(GroupState group) =>
        MeasuredPss(group.Slots.Where(s => s.Child is not null).Select(s => s.Child!)).Append(_largestPss.GetValueOrDefault(group.Group.QueueList));

    private IEnumerable<long> MeasuredPss(IEnumerable<Child> children) =>
        children.Where(c => _pss.ContainsKey(c.Pid)).Select(c => _pss[c.Pid]);

    /// <summary>What the pool may take: the master's PSS, and every child at its group's estimate, or its own PSS where that is more (an idle worker can take a big job at any moment).</summary>
    private long UsedMemory(bool withStandbys = true)
    {
        var used = _masterPss ?? WorkerCost.MasterReserveMb * Megabytes.Bytes;
        foreach (var child in table.Children)
        {
            if (!withStandbys && child.Standby is not null) continue;
            var estimate = WorkerCost.Estimate(child.Group, child.Slot is { } slot ? MeasuredPss(slot.Group) : []);
            used += Math.Max(estimate, _pss.GetValueOrDefault(child.Pid));
        }
        return used;
    }

    /// <summary>The budget gate for one pass of filling slots.</summary>
    public BudgetGate OpenGate() => new(this, UsedMemory());

    /// <summary>
    /// Admits a spawn when the pool's PSS plus the worker's estimate stays within the budget. A
    /// refusal is logged when a group starts waiting, and the end of the wait when it ends; the
    /// slot stays empty and is tried again at every pass.
    /// </summary>
    public sealed class BudgetGate
    {
        private readonly CapacityKeeper _owner;
        private long _used;
        private readonly HashSet<string> _refused = new(StringComparer.Ordinal);

        internal BudgetGate(CapacityKeeper owner, long used)
        {
            _owner = owner;
            _used = used;
        }

        /// <summary>Whether a slot of some group waits for memory now: standbys then give way (WorkerSpawner dismisses them).</summary>
        public bool HoldsBackWorkers => _owner._waitingForMemory.Count > 0
            && _owner.Table.Groups.Any(g => _owner._waitingForMemory.Contains(g.Group.QueueList) && g.Slots.Any(s => s.Child is null));

        /// <param name="standby">For a standby (`standby: N`): extra, so a refusal is not logged and holds back none of the group's slots.</param>
        public bool Admits(GroupState state, bool standby = false)
        {
            var group = state.Group;
            var cost = WorkerCost.Estimate(group, _owner.MeasuredPss(state));
            var budget = _owner.Budget;
            // No standby while any slot waits for memory: every worker comes first.
            if (standby && HoldsBackWorkers) return false;
            if (budget.Bytes == long.MaxValue || _used + cost <= budget.Bytes)
            {
                _used += cost;
                if (!standby && _owner._waitingForMemory.Remove(group.QueueList))
                    _owner.Log.Information("memory budget: starting workers for {Group} again ({Used} of {Budget} in use)", group.Key, Megabytes.Format(_used), Megabytes.Format(budget.Bytes));
                return true;
            }
            if (standby) return false;
            if (_refused.Add(group.QueueList) && _owner._waitingForMemory.Add(group.QueueList))
            {
                _owner._budgetRefusals[group.QueueList] = _owner._budgetRefusals.GetValueOrDefault(group.QueueList) + 1;
                _owner.Log.Warning("memory budget: not starting a worker for {Group}: the pool takes {Used} and one more worker ~{Cost}, over the budget of {Budget}; it starts once memory frees",
                    group.Key, Megabytes.Format(_used), Megabytes.Format(cost), budget);
            }
            return false;
        }
    }

    private ILogger Log => log;

    private SlotTable Table => table;

    private CapacityView BuildView()
    {
        var budget = Budget;
        var groups = table.Groups.Select(g =>
        {
            var key = g.Group.QueueList;
            _loads.TryGetValue(key, out var load);
            var last = _lastDecision.TryGetValue(key, out var d) ? d : default;
            var rule = _scalers.TryGetValue(key, out var s) ? s.Rule : g.Group.Scaling;
            return new GroupCapacityView(g.Group.Key, rule is null ? null : $"{rule.Min}..{rule.Max}",
                g.Desired, g.Slots.Count(slot => slot.Child is not null), load?.Waiting, load?.OldestAge?.TotalSeconds, load?.Busy,
                last.Text, last.Text is null ? null : last.At,
                _waitingForMemory.Contains(key) ? g.Slots.Count(slot => slot.Child is null) : 0);
        }).ToList();
        return new CapacityView(_limit.Bytes, _limit.Source, budget.Bytes, budget.Why, UsedMemory(), groups)
        {
            Decisions = new Dictionary<(string, string), long>(_decisions),
            BudgetRefusals = new Dictionary<string, long>(_budgetRefusals),
        };
    }
}
