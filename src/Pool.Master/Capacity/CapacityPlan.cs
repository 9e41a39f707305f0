using System.Globalization;
using Pool.Master.Config;

namespace Pool.Master.Capacity;

/// <summary>
/// The memory side of a loaded config on this machine: the limit, the budget, and what each
/// `count: auto` resolved to and why. Resolved where the config is loaded (run, HUP, check), so
/// `check` prints the same numbers `run` would start with.
///
/// auto: the budget, less the master's reserve and what the other groups take (fixed counts,
/// and the MIN of autoscaled groups, each at its worker estimate), is shared equally among the
/// auto groups and divided by their worker estimate. At least one worker each: a group the
/// budget cannot hold at all still waits at the budget gate, which says so in the log.
/// </summary>
public sealed record CapacityPlan(MemoryLimit Limit, MemoryBudget Budget, IReadOnlyList<string> Notes)
{
    /// <summary>The config with its `auto` counts resolved under this machine's memory limit, as run and HUP start it.</summary>
    public static PoolConfig ResolveHere(PoolConfig config) => Resolve(config, new MemoryLimitReader().Read()).Config;

    public static (PoolConfig Config, CapacityPlan Plan) Resolve(PoolConfig config, MemoryLimit limit)
    {
        var budget = MemoryBudget.For(limit, config.MemoryBudget);
        RequireRoomForOneWorker(config, budget);
        var autos = config.Groups.Where(g => g.AutoCount).ToList();
        var notes = new List<string>();
        var warnings = new List<string>();
        if (autos.Count == 0) return (WithOverBudgetWarning(config, budget), new CapacityPlan(limit, budget, notes));

        long others = 0;
        foreach (var g in config.Groups.Where(g => !g.AutoCount))
            others += (long)(g.Scaling?.Min ?? g.Count) * WorkerCost.Estimate(g);
        var master = WorkerCost.MasterReserveMb * Megabytes.Bytes;
        var share = budget.Bytes == long.MaxValue ? long.MaxValue : Math.Max(0, budget.Bytes - master - others) / autos.Count;

        var resolved = config.Groups.Select(g =>
        {
            if (!g.AutoCount) return g;
            var each = WorkerCost.Estimate(g);
            var fit = share == long.MaxValue ? GroupOptions.MaxCount : (int)Math.Min(GroupOptions.MaxCount, share / each);
            var count = Math.Max(1, fit);
            var shared = autos.Count > 1 ? $", shared by {autos.Count} auto groups" : "";
            var none = fit < 1 ? "; the budget holds none, so 1, which waits at the budget gate" : "";
            notes.Add(string.Create(CultureInfo.InvariantCulture,
                $"{g.QueueList}: auto = {count}: budget {Megabytes.Format(budget.Bytes)} - master {Megabytes.Format(master)} - other groups {Megabytes.Format(others)}{shared}, at {WorkerCost.DescribeEstimate(g)}{none}"));
            if (config.MemoryBudget is null && limit.IsWholeMachine) warnings.Add(WholeMachineWarning(config, g, count, limit));
            return g with { Count = count };
        }).ToList();
        return (WithOverBudgetWarning(config with { Groups = resolved, Warnings = [.. config.Warnings, .. warnings] }, budget), new CapacityPlan(limit, budget, notes));
    }

    /// <summary>
    /// Fixed counts and MINs that the budget cannot hold at their workers' estimates never all
    /// start: the budget gate keeps the rest waiting (state `memory`) for as long as the pool
    /// runs, since a worker is never counted below its estimate. A trial: `mail: 20` under
    /// `memory_budget: 512MB`, which check printed as "workers: 20" and run ran as 7 for good.
    /// Valid (the gate is there for it), so a warning from check, run and HUP, not an error.
    /// Counted in file order, as the slots are filled, so the warning names the first group
    /// that comes up short.
    /// </summary>
    private static PoolConfig WithOverBudgetWarning(PoolConfig config, MemoryBudget budget)
    {
        if (budget.Bytes == long.MaxValue) return config;
        var master = WorkerCost.MasterReserveMb * Megabytes.Bytes;
        var free = Math.Max(0, budget.Bytes - master);
        var needed = master;
        var shortBy = 0;
        WorkerGroup? first = null;
        foreach (var g in config.Groups.Where(g => g.Count > 0))
        {
            var each = WorkerCost.Estimate(g);
            var fits = (int)Math.Min(g.Count, free / each);
            free -= fits * each;
            needed += g.Count * each;
            if (fits == g.Count) continue;
            shortBy += g.Count - fits;
            first ??= g;
        }
        if (first is null) return config;
        var wanted = config.Groups.Sum(g => g.Count);
        var what = first.Scaling is null ? $"{first.Count} worker(s)" : $"its MIN of {first.Count} worker(s)";
        var warning = first.Where(config.SourcePath, GroupOptions.Count).Error(string.Create(CultureInfo.InvariantCulture,
            $"{what} at {WorkerCost.DescribeEstimate(first)} do not fit the memory budget of {budget}: the pool's {wanted} worker(s) and the master's {WorkerCost.MasterReserveMb} MB reserve need {Megabytes.Format(needed)} at their estimates, so {shortBy} of them never start and wait at the budget gate (state memory in /status); lower the count, raise memory_budget, or set memory_limit_mb to what a worker really takes")).Message;
        return config with { Warnings = [.. config.Warnings, warning] };
    }

    /// <summary>
    /// `auto` with neither a cgroup limit nor memory_budget fills the whole machine: hundreds of
    /// workers on a large host (338 on a 24 GB, 2-core VM), each a process with Redis connections,
    /// whatever else the host runs. README says to set memory_budget there; run and check say so too.
    /// </summary>
    private static string WholeMachineWarning(PoolConfig config, WorkerGroup g, int count, MemoryLimit limit) =>
        g.Where(config.SourcePath, GroupOptions.Count).Error(string.Create(CultureInfo.InvariantCulture,
            $"auto = {count} worker(s), sized to the whole machine's memory ({limit}): no cgroup limit and no memory_budget; on a shared or large host (this one has {Environment.ProcessorCount} CPUs) set memory_budget: (e.g. memory_budget: 2GB) or a fixed count")).Message;

    /// <summary>
    /// A budget (set, or the default under this machine's limit) that cannot hold the master's
    /// reserve and one worker of a group at the estimate the budget gate uses starts no worker of
    /// that group, ever: check, run and HUP refuse it rather than accept a pool that waits at the
    /// gate for good.
    /// </summary>
    private static void RequireRoomForOneWorker(PoolConfig config, MemoryBudget budget)
    {
        if (budget.Bytes == long.MaxValue) return;
        var master = WorkerCost.MasterReserveMb * Megabytes.Bytes;
        foreach (var g in config.Groups.Where(g => g.AutoCount || g.Scaling is not null || g.Count > 0))
        {
            var each = WorkerCost.Estimate(g);
            if (budget.Bytes >= master + each) continue;
            if (config.MemoryBudget is not null)
                throw (config.MemoryBudget.Place ?? new ConfigPlace(config.SourcePath, null, MemoryBudgetSetting.Key)).Error(
                    $"{config.MemoryBudget.Text} is {Megabytes.Format(budget.Bytes)}, which cannot hold the master's {WorkerCost.MasterReserveMb} MB reserve and one worker of {g.QueueList} ({Megabytes.Format(each)} estimated), so none would ever start; raise it to at least {Megabytes.Format(master + each)}, or set memory_limit_mb on groups whose workers are smaller");
            throw g.Where(config.SourcePath, GroupOptions.MemoryLimitMb).Error(
                $"its workers are estimated at {WorkerCost.DescribeEstimate(g)}; one of them and the master's {WorkerCost.MasterReserveMb} MB reserve do not fit the memory budget of {budget}, so none would ever start; lower memory_limit_mb, or give the pool more memory");
        }
    }
}
