using Pool.Master.Capacity;
using Prometheus;

namespace Pool.Master.Observability;

/// <summary>The memory budget and autoscaling series of /metrics, set from the snapshot's <see cref="CapacityView"/> at each scrape.</summary>
internal sealed class CapacityMetrics(IMetricFactory f)
{
    private readonly Gauge _budget = f.CreateGauge("pool_master_memory_budget_bytes", "The pool's memory budget (memory_budget, or the memory limit minus a margin).");
    private readonly Gauge _limit = f.CreateGauge("pool_master_memory_limit_bytes", "The memory limit the master runs under (cgroup v2, v1, or MemTotal).");
    private readonly Gauge _used = f.CreateGauge("pool_master_memory_used_bytes", "PSS of the master and its workers, as the budget counts it.");
    private readonly Gauge _target = f.CreateGauge("pool_master_group_target_workers", "The wanted number of workers per group (autoscaler or fixed count).", ["group"]);
    private readonly Gauge _latency = f.CreateGauge("pool_master_group_queue_latency_seconds", "Estimated age of the oldest waiting job of an autoscaled group.", ["group"]);
    private readonly Counter _decisions = f.CreateCounter("pool_master_autoscale_decisions_total", "Autoscaler decisions by group and direction (up, down, capped by the budget).", ["group", "direction"]);
    private readonly Counter _refusals = f.CreateCounter("pool_master_memory_budget_refusals_total", "Times a group started waiting because the budget admitted no more workers.", ["group"]);

    public void Update(CapacityView? view)
    {
        if (view is null) return;
        _budget.Set(view.BudgetBytes == long.MaxValue ? double.PositiveInfinity : view.BudgetBytes);
        _limit.Set(view.LimitBytes == long.MaxValue ? double.PositiveInfinity : view.LimitBytes);
        _used.Set(view.UsedBytes);
        foreach (var g in view.Groups)
        {
            _target.WithLabels(g.Group).Set(g.Target);
            if (g.OldestAgeSeconds is { } age) _latency.WithLabels(g.Group).Set(age);
            else if (g.Range is not null) _latency.WithLabels(g.Group).Set(0);
        }
        foreach (var ((group, direction), count) in view.Decisions) _decisions.WithLabels(group, direction).IncTo(count);
        foreach (var (group, count) in view.BudgetRefusals) _refusals.WithLabels(group).IncTo(count);
    }
}
