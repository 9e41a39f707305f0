using Pool.Master.Config;
using Pool.Master.Processes;

namespace Pool.Master.Tests.Config;

/// <summary>`standby: N`, a group's started-and-waiting workers: read, printed, passed on, and refused where it cannot work.</summary>
public sealed class StandbyConfigTests
{
    [Fact]
    public void Standby_defaults_to_none_is_printed_and_its_worker_gets_POOL_STANDBY_instead_of_a_slot()
    {
        var config = ConfigLoaderTests.Parse("a:\n  count: 2\n  standby: 1\nb: 1\n");

        Assert.Equal([1, 0], config.Groups.Select(g => g.Standby));
        Assert.Contains("a: 2 standby=1", ConfigPrinter.Describe(config));
        var settings = new MasterSettings { ConfigPath = "pool.yml", RedisUrl = "redis://localhost", WorkerCommand = ["w"] };
        var env = ChildEnvironment.ForStandby(settings, config.Groups[0], 1);
        Assert.Equal("1", env["POOL_STANDBY"]);
        Assert.Equal("a", env["QUEUES"]);
        Assert.False(env.ContainsKey("POOL_WORKER_SLOT"));
        Assert.False(ChildEnvironment.For(settings, config.Groups[0], 0, 1).ContainsKey("POOL_STANDBY"));
    }

    [Theory]
    [InlineData("11")]
    [InlineData("-1")]
    [InlineData("one")]
    [InlineData("1.5")]
    public void A_standby_out_of_range_names_the_file_line_and_key(string value)
    {
        var e = ConfigLoaderTests.Fails($"a:\n  count: 1\n  standby: {value}\n");

        Assert.Equal(3, e.Line);
        Assert.Equal("a.standby", e.Key);
        Assert.Contains("from 0 to 10", e.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a:\n  count: 1\n  standby: 1\n  command: /bin/sh -c 'rake resque:work'\n", "/bin/sh", 3)]
    [InlineData("a:\n  count: 1\n  standby: 1\n", "/bin/sh", 3)]
    public void A_standby_for_a_command_that_is_not_pool_worker_is_refused_at_its_line(string yaml, string program, int line)
    {
        var e = Assert.Throws<ConfigException>(() => WorkerCommandCheck.Require(
            ConfigLoaderTests.Parse(yaml), ["/bin/sh"], new Dictionary<string, string?> { ["PATH"] = "/usr/bin:/bin" }, "/"));

        Assert.Equal(line, e.Line);
        Assert.Equal("a.standby", e.Key);
        Assert.Contains($"runs '{Path.GetFileName(program)}'", e.Problem, StringComparison.Ordinal);
        Assert.Contains("remove standby, or run pool-worker", e.Problem, StringComparison.Ordinal);
    }
}
