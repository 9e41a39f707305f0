using Pool.Testing;

namespace Pool.Master.Tests.Cli;

/// <summary>`pool-master --help` as a newcomer reads it: the real executable.</summary>
public sealed class HelpTests
{
    private static string Help(params string[] args)
    {
        using var process = TestProcess.Start(Artifacts.PoolMaster, [.. args, "--help"]);
        Assert.Equal(0, process.WaitForExit(TimeSpan.FromSeconds(30)));
        return process.Output;
    }

    [Fact]
    public void The_top_level_help_gives_the_redis_default_and_marks_optional_arguments()
    {
        var help = Help();

        Assert.Matches(@"--redis <redis>\s+Redis URL.*default: redis://127\.0\.0\.1:6379\]", help);
        Assert.Matches(@"\n  pause \[queues\]\s+stop every worker", help);
        Assert.Matches(@"\n  resume \[queues\]\s+clear the global pause", help);
        Assert.Matches(@"\n  enqueue <queue> <class> \[args\]\s+push one job", help);
    }

    [Fact]
    public void A_subcommand_list_marks_an_optional_index()
    {
        Assert.Matches(@"\n  retry \[N\]\s+enqueue a failed job again", Help("failed"));
    }
}

/// <summary>A mistyped option or command: one line that names the likely one, as pool.yml's near misses do.</summary>
public sealed class UsageErrorTests
{
    private static string OneLine(string executable, params string[] args)
    {
        using var process = TestProcess.Start(executable, args);
        Assert.Equal(1, process.WaitForExit(TimeSpan.FromSeconds(30)));
        return Assert.Single(process.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void A_misspelt_command_or_option_of_pool_master_names_the_real_one()
    {
        Assert.Equal("stderr: pool-master: Unrecognized command or argument 'stauts' (did you mean status?); usage: pool-master (see pool-master --help)",
            OneLine(Artifacts.PoolMaster, "stauts"));
        Assert.StartsWith("stderr: pool-master status: Unrecognized command or argument '--reddis' (did you mean --redis?);", OneLine(Artifacts.PoolMaster, "status", "--reddis", "x"));
    }

    /// <summary>
    /// A command group with no command, or one it lacks (Ruby's word "cancel" for `delayed
    /// remove`): the line was "Required command was not provided; Unrecognized command or
    /// argument 'cancel'; Unrecognized ... 'low'; ..." and never named the commands there are.
    /// </summary>
    [Fact]
    public void A_command_group_given_no_command_or_an_unknown_one_lists_its_commands()
    {
        Assert.Equal("stderr: pool-master delayed: 'cancel' is not a command here; the commands are list, remove (see pool-master delayed --help)",
            OneLine(Artifacts.PoolMaster, "delayed", "cancel", "low", "Echo", "x"));
        Assert.Equal("stderr: pool-master delayed: 'remov' is not a command here (did you mean remove?); the commands are list, remove (see pool-master delayed --help)",
            OneLine(Artifacts.PoolMaster, "delayed", "remov", "low", "Echo"));
        Assert.Equal("stderr: pool-master retries: a command is missing; the commands are list, show, now, remove (see pool-master retries --help)",
            OneLine(Artifacts.PoolMaster, "retries"));
    }

    /// <summary>pool-worker run by hand printed System.CommandLine's block: a line per token ("'2' was not matched. Did you mean -h?") and the whole help.</summary>
    [Fact]
    public void A_misspelt_option_of_pool_worker_is_one_line_not_the_help()
    {
        Assert.Equal("stderr: pool-worker: Unrecognized command or argument '--concurency' (did you mean --concurrency?); Unrecognized command or argument '2'; see pool-worker --help",
            OneLine(Artifacts.PoolWorker, "--concurency", "2"));
    }

    [Theory]
    [InlineData("--concurency", "--concurrency")]
    [InlineData("--Redis", "--redis")]
    [InlineData("stauts", "status")]
    [InlineData("--chek", "--check")]
    [InlineData("--colour", null)]
    public void A_near_miss_is_at_most_one_edit_for_short_names_and_two_for_longer_ones(string typed, string? meant)
    {
        Assert.Equal(meant, Pool.Text.NearMiss.Closest(typed, ["--concurrency", "--redis", "status", "-h", "--check"]));
    }
}
