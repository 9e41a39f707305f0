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
        // Set even for 1: a POOL_CONCURRENCY in the master's environment must not reach group b.
        Assert.Equal("1", ChildEnvironment.For(settings, config.Groups[1], 0, 1)["POOL_CONCURRENCY"]);
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

    private static PoolConfig Resolve(string yaml, string[] workerCommand, string? inherited = null) =>
        GroupConcurrency.Resolve(ConfigLoaderTests.Parse(yaml), workerCommand,
            new Dictionary<string, string?> { ["POOL_CONCURRENCY"] = inherited });

    [Fact]
    public void The_lanes_the_master_counts_are_those_the_worker_runs_flag_then_key_then_inherited_variable()
    {
        var config = Resolve(
            "a:\n  count: 1\n  command: pool-worker --concurrency 4\n" +
            "b:\n  count: 1\n  command: pool-worker --concurrency=6\n  concurrency: 6\n" +
            "f:\n  count: 1\n  command: pool-worker --concurrency:5\n" +
            "c:\n  count: 1\n  concurrency: 1\n" +
            "d: 1\n" +
            "e:\n  count: 1\n  command: bundle exec rake resque:work\n",
            ["pool-worker"], inherited: "3");

        // e: a Ruby worker has no lanes, whatever the master's environment says.
        Assert.Equal([4, 6, 5, 1, 3, 1], config.Groups.Select(g => g.Concurrency));
        Assert.Equal(4, GroupConcurrency.WorkerIds(42, config.Groups[0]).Count);
    }

    /// <summary>A wrapper script that execs pool-worker got POOL_CONCURRENCY=1 from the master while the user had set 3: now said, not silent.</summary>
    [Fact]
    public void An_inherited_POOL_CONCURRENCY_a_command_that_is_not_pool_worker_does_not_get_is_a_warning_naming_the_group()
    {
        var config = Resolve("a: 1\nwrapped:\n  count: 1\n  command: bin/worker\nkeyed:\n  count: 1\n  command: bin/worker\n  concurrency: 3\n", ["pool-worker"], inherited: "3");
        var warning = Assert.Single(config.Warnings);
        Assert.Contains(":2: key 'wrapped'", warning, StringComparison.Ordinal);
        Assert.Contains("POOL_CONCURRENCY=3 in the environment is not passed on to 'bin/worker'", warning, StringComparison.Ordinal);
        Assert.Contains("concurrency: 3", warning, StringComparison.Ordinal);

        Assert.Empty(Resolve("wrapped:\n  count: 1\n  command: bin/worker\n", ["pool-worker"]).Warnings);
    }

    /// <summary>`env POOL_CONCURRENCY=2 pool-worker` ran 2 lanes while the master recovered one: lane 1's job waited for its lease after a kill -9.</summary>
    [Fact]
    public void A_POOL_CONCURRENCY_set_by_env_in_the_command_counts_as_the_worker_reads_it()
    {
        var config = Resolve(
            "a:\n  count: 1\n  command: env POOL_CONCURRENCY=2 pool-worker\n" +
            "b:\n  count: 1\n  command: /usr/bin/env FOO=1 POOL_CONCURRENCY=4 bin/worker\n" +
            "c:\n  count: 1\n  command: env POOL_CONCURRENCY=2 pool-worker --concurrency 5\n" +
            "d:\n  count: 1\n  command: env FOO=1 pool-worker\n" +
            "e:\n  count: 1\n  command: env -i PATH=/usr/bin POOL_CONCURRENCY=2 pool-worker\n" +
            "f:\n  count: 1\n  command: env -u POOL_CONCURRENCY pool-worker\n" +
            "g:\n  count: 1\n  command: env -i pool-worker\n",
            ["pool-worker"], inherited: "3");
        // d inherits the master's 3 as a bare pool-worker would; f and g take the master's number away: 1 lane.
        Assert.Equal([2, 4, 5, 3, 2, 1, 1], config.Groups.Select(g => g.Concurrency));
        Assert.Empty(config.Warnings);

        var e = Assert.Throws<ConfigException>(() => Resolve("a:\n  count: 1\n  concurrency: 3\n  command: env POOL_CONCURRENCY=2 pool-worker\n", ["pool-worker"]));
        Assert.Contains("POOL_CONCURRENCY=2", e.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void The_master_worker_command_flag_counts_for_every_group_without_a_command_of_its_own()
    {
        var config = Resolve("a: 1\nb:\n  count: 1\n  command: pool-worker\n", ["pool-worker", "--concurrency", "2"]);
        Assert.Equal([2, 1], config.Groups.Select(g => g.Concurrency));
    }

    [Fact]
    public void A_key_and_a_command_flag_that_disagree_name_the_key_line()
    {
        var e = Assert.Throws<ConfigException>(() => Resolve("a:\n  count: 1\n  concurrency: 2\n  command: pool-worker --concurrency 5\n", ["pool-worker"]));
        Assert.Equal(3, e.Line);
        Assert.Equal("a.concurrency", e.Key);
        Assert.Contains("--concurrency 5", e.Problem, StringComparison.Ordinal);
    }

    /// <summary>pool-worker's own check refuses these with its words (CheckCommandTests); the master counts the group's number meanwhile.</summary>
    [Theory]
    [InlineData("--concurrency 0")]
    [InlineData("--concurrency=lots")]
    [InlineData("--concurrency")]
    [InlineData("--concurrency 500")]
    public void A_command_flag_out_of_range_is_left_to_the_worker_check(string flag)
    {
        var config = Resolve($"a:\n  count: 1\n  concurrency: 2\n  command: pool-worker {flag}\n", ["pool-worker"]);
        Assert.Equal(2, config.Groups[0].Concurrency);
    }
}
