using Pool.Master.Config;
namespace Pool.Master.Capacity;

/// <summary>
/// The most memory the whole pool (master and workers, as PSS) may take. By default it is the
/// limit minus a margin of a tenth of it, and at least <see cref="MinimumMargin"/>: room for the
/// page cache, a job's short peak, and the kernel, so the cgroup never reaches its OOM killer.
/// </summary>
public sealed record MemoryBudget(long Bytes, string Why)
{
    public static readonly long MinimumMargin = 64 * Megabytes.Bytes;

    public static MemoryBudget For(MemoryLimit limit, MemoryBudgetSetting? setting)
    {
        if (setting?.Bytes is { } bytes)
            return new MemoryBudget(bytes, bytes > limit.Bytes
                ? $"memory_budget {setting.Text} in pool.yml, above the memory limit of {limit}: the limit will bind first"
                : $"memory_budget {setting.Text} in pool.yml");
        if (setting?.Percent is { } percent)
            return new MemoryBudget((long)(limit.Bytes / 100.0 * percent), $"memory_budget {setting.Text} of the memory limit {limit}");
        if (limit.Bytes == long.MaxValue) return new MemoryBudget(long.MaxValue, "no memory limit known and no memory_budget set");
        var margin = Math.Max(limit.Bytes / 10, MinimumMargin);
        return new MemoryBudget(Math.Max(0, limit.Bytes - margin),
            $"default: the memory limit {limit} minus a margin of {Megabytes.Format(margin)} (a tenth, at least {Megabytes.Format(MinimumMargin)})");
    }

    /// <summary>How many more workers of <paramref name="perWorker"/> bytes fit beside <paramref name="used"/>; never negative.</summary>
    public int Headroom(long used, long perWorker)
    {
        if (Bytes == long.MaxValue) return int.MaxValue;
        var free = Bytes - used;
        return free <= 0 || perWorker <= 0 ? 0 : (int)Math.Min(int.MaxValue, free / perWorker);
    }

    public override string ToString() => $"{Megabytes.Format(Bytes)} ({Why})";
}
