using System.Diagnostics.Metrics;
using Pool.Master.Capacity;

namespace Pool.Master.Observability;

/// <summary>
/// The memory budget and autoscaling instruments of <see cref="PoolMeter"/>, read from the
/// snapshot's <see cref="CapacityView"/> at each collection (scraped as pool_master_memory_*,
/// pool_master_group_*, pool_master_autoscale_decisions_total and
/// pool_master_memory_budget_refusals_total).
/// </summary>
internal static class CapacityMetrics
{
    public static void Register(Meter meter, MetricsSource source)
    {
        CapacityView? View() => source.Snapshot.Capacity;
        meter.CreateObservableGauge("pool.master.memory.limit", () => Single(View()?.LimitBytes), "By", "The memory limit the master runs under (cgroup v2, v1, or MemTotal).");
        meter.CreateObservableGauge("pool.master.memory.budget", () => Single(View()?.BudgetBytes), "By", "The pool's memory budget (memory_budget, or the memory limit minus a margin).");
        meter.CreateObservableGauge("pool.master.memory.used", () => Single(View()?.UsedBytes), "By", "What the budget counts: the master's PSS and each worker at its group's estimate, or its PSS if more.");
        meter.CreateObservableGauge("pool.master.group.target_workers", () => View()?.Groups.Select(g => new Measurement<int>(g.Target, Group(g.Group))) ?? [],
            "{worker}", "The wanted number of workers per group (autoscaler or fixed count).");
        meter.CreateObservableGauge("pool.master.group.queue_latency", () => View()?.Groups.Where(g => g.Range is not null)
                .Select(g => new Measurement<double>(g.OldestAgeSeconds ?? 0, Group(g.Group))) ?? [],
            "s", "Estimated age of the oldest waiting job of an autoscaled group.");
        meter.CreateObservableCounter("pool.master.autoscale.decisions", () => View()?.Decisions.Select(d => new Measurement<long>(d.Value,
                Group(d.Key.Group), new KeyValuePair<string, object?>("direction", d.Key.Direction))) ?? [],
            "{decision}", "Autoscaler decisions by group and direction (up, down, capped by the budget).");
        meter.CreateObservableCounter("pool.master.memory_budget.refusals", () => View()?.BudgetRefusals.Select(r => new Measurement<long>(r.Value, Group(r.Key))) ?? [],
            "{refusal}", "Times a group started waiting because the budget admitted no more workers.");
    }

    // An unknown or unlimited size (before the first sample; no /proc) reads 0 rather than a huge number.
    private static long Single(long? bytes) => bytes is { } b and < long.MaxValue ? b : 0;

    private static KeyValuePair<string, object?> Group(string group) => new("group", group);
}
