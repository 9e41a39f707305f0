using Pool.Master.Capacity;
using Pool.Master.Config;

namespace Pool.Master.Tests.Capacity;

public sealed class MemoryBudgetTests
{
    private const long Mb = 1024 * 1024;
    private static readonly MemoryLimit Dyno = new(512 * Mb, "cgroup v2 /sys/fs/cgroup/memory.max");

    [Fact]
    public void The_default_is_the_limit_minus_a_tenth_and_at_least_64_mb()
    {
        Assert.Equal(448 * Mb, MemoryBudget.For(Dyno, null).Bytes);
        Assert.Equal(9 * 1024 * Mb, MemoryBudget.For(new MemoryLimit(10 * 1024 * Mb, "x"), null).Bytes);
        Assert.Contains("minus a margin of 64 MB", MemoryBudget.For(Dyno, null).Why);
    }

    [Theory]
    [InlineData("400", 400)]
    [InlineData("400MB", 400)]
    [InlineData("400 mb", 400)]
    [InlineData("1.5GB", 1536)]
    [InlineData("2G", 2048)]
    [InlineData("50%", 256)]
    // As "400 mb" is: "80 %" was refused as out of range ("must be above 0% and at most 100%, got '80 %'").
    [InlineData("50 %", 256)]
    public void A_setting_in_mb_gb_or_percent_of_the_limit(string text, long mb)
    {
        var setting = MemoryBudgetSetting.Parse(text, out var problem);
        Assert.Null(problem);
        Assert.Equal(mb * Mb, MemoryBudget.For(Dyno, setting).Bytes);
    }

    [Theory]
    [InlineData("")]
    [InlineData("lots")]
    [InlineData("0")]
    [InlineData("-5MB")]
    [InlineData("12TB")]
    [InlineData("0%")]
    [InlineData("150%")]
    [InlineData("1e30")]
    public void A_bad_setting_is_refused(string text)
    {
        Assert.Null(MemoryBudgetSetting.Parse(text, out var problem));
        Assert.NotNull(problem);
    }

    [Fact]
    public void Headroom_counts_whole_workers_and_never_goes_negative()
    {
        var budget = new MemoryBudget(1000 * Mb, "test");
        Assert.Equal(3, budget.Headroom(700 * Mb, 100 * Mb));
        Assert.Equal(0, budget.Headroom(950 * Mb, 100 * Mb));
        Assert.Equal(0, budget.Headroom(2000 * Mb, 100 * Mb));
        Assert.Equal(int.MaxValue, new MemoryBudget(long.MaxValue, "none").Headroom(2000 * Mb, 100 * Mb));
    }

    [Fact]
    public void A_budget_above_the_limit_says_the_limit_binds_first()
    {
        var setting = MemoryBudgetSetting.Parse("1GB", out _);
        Assert.Contains("the limit will bind first", MemoryBudget.For(Dyno, setting).Why);
    }
}
