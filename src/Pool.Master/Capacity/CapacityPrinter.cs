using System.Text;

namespace Pool.Master.Capacity;

/// <summary>The memory lines of `pool-master check`: limit, budget, and what each `auto` resolved to and why.</summary>
internal static class CapacityPrinter
{
    public static void Append(StringBuilder sb, CapacityPlan plan)
    {
        sb.Append("memory limit: ").Append(plan.Limit).Append('\n');
        sb.Append("memory budget: ").Append(plan.Budget).Append('\n');
        foreach (var note in plan.Notes) sb.Append("  ").Append(note).Append('\n');
    }
}
