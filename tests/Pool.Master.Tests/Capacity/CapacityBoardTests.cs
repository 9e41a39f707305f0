using Pool.Master.Capacity;

namespace Pool.Master.Tests.Capacity;

/// <summary>What `pool-master status` prints of a master's capacity.</summary>
public sealed class CapacityBoardTests
{
    [Fact]
    public void The_memory_line_says_it_is_what_the_budget_counts_not_what_the_workers_take()
    {
        var master = new CapacityJson("h", 42, 400L << 20, "cgroup", 336L << 20, "default", 296L << 20,
            [new GroupCapacityView("bar", "1..8", 1, 1, 3, 1.5, 1, null, null, 0)]);

        var text = CapacityBoard.Render([master]);

        Assert.Contains("master h:42: memory 296 MB counted (each worker at its group's estimate, or its PSS if more) of budget 336 MB (default)", text, StringComparison.Ordinal);
    }
}
