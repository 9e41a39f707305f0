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
