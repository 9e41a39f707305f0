using Pool.Master.Config;
using Pool.Master.Processes;

namespace Pool.Master.Tests.Config;

public class ConcurrencyConfigTests
{
    [Fact]
    public void Concurrency_is_a_group_option_that_defaults_to_one_and_reaches_the_worker_as_POOL_CONCURRENCY()
    {
        var config = ConfigLoaderTests.Parse("a:\n  count: 2\n  concurrency: 5\nb: 1\n");

        Assert.Equal([5, 1], config.Groups.Select(g => g.Concurrency));
        Assert.Contains("a: 2 concurrency=5", ConfigPrinter.Describe(config));
        var settings = new MasterSettings { ConfigPath = "pool.yml", RedisUrl = "redis://localhost", WorkerCommand = ["w"] };
        Assert.Equal("5", ChildEnvironment.For(settings, config.Groups[0], 0, 1)["POOL_CONCURRENCY"]);
        Assert.False(ChildEnvironment.For(settings, config.Groups[1], 0, 1).ContainsKey("POOL_CONCURRENCY"));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("101")]
    [InlineData("two")]
    [InlineData("-1")]
    public void A_concurrency_out_of_range_names_the_file_line_and_key(string value)
    {
        var e = ConfigLoaderTests.Fails($"a:\n  count: 1\n  concurrency: {value}\n");

        Assert.Equal(3, e.Line);
        Assert.Equal("a.concurrency", e.Key);
        Assert.Contains("from 1 to 100", e.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_mapping_of_only_concurrency_is_a_group_missing_its_count()
    {
        var e = ConfigLoaderTests.Fails("a:\n  concurrency: 2\n");
        Assert.Contains("no count", e.Problem, StringComparison.Ordinal);
    }
}
