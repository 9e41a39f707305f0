using System.Text;

namespace Pool.Master.Capacity;

/// <summary>The memory lines of `pool-master check`: limit, budget, and what each `auto` resolved to and why.</summary>
internal static class CapacityPrinter
{
    public static string Describe(CapacityPlan plan)
    {
        var sb = new StringBuilder();
        sb.Append("memory limit: ").Append(plan.Limit).Append('\n');
        sb.Append("memory budget: ").Append(plan.Budget).Append('\n');
        foreach (var note in plan.Notes) sb.Append("  ").Append(note).Append('\n');
        return sb.ToString();
    }
}
