using Pool.Testing.Chaos;
using Xunit.Abstractions;

namespace Pool.Master.Tests.Chaos;

/// <summary>
/// The promise under fire: thousands of jobs while workers, the master and Redis are killed.
/// Figures are printed; the bench's `chaos` scenario runs the same thing for longer.
/// </summary>
public sealed class ChaosTests(ITestOutputHelper output)
{
    [Fact(Timeout = 150_000)]
    public async Task Kill_9_of_workers_and_master_and_a_Redis_restart_lose_no_job_and_leave_no_process_behind()
    {
        await using var run = new ChaosRun(new ChaosOptions
        {
            Jobs = 3000,
            Workers = 4,
            ChaosFor = TimeSpan.FromSeconds(25),
            Log = output.WriteLine,
        });

        var result = await run.RunAsync();
        output.WriteLine(result.Describe());

        Assert.True(result.Drained, "the pool did not drain in time:\n" + result.Describe());
        Assert.Empty(result.LostTags);
        Assert.True(result.Duplicates <= result.DuplicateBound, $"{result.Duplicates} duplicates > bound {result.DuplicateBound}");
        Assert.Empty(result.ConcurrentTags);
        Assert.True(result.Stalls >= 2, $"only {result.Stalls} stalls: the chaos did not happen");
        Assert.Empty(result.Zombies);
        Assert.Empty(result.Orphans);
        Assert.Empty(result.Failed);
        Assert.Empty(result.Leftovers);
        Assert.Equal(0, result.MasterExitCode);
        Assert.Equal(1, result.MasterKills);
        Assert.Equal(1, result.RedisRestarts);
        Assert.True(result.WorkerKills >= 10, $"only {result.WorkerKills} worker kills: the chaos did not happen");
        Assert.True(result.OrphansGoneAfter is { } gone && gone < TimeSpan.FromSeconds(5),
            $"the dead master's workers took {result.OrphansGoneAfter?.TotalMilliseconds:0} ms to stop (want ~1 s: notice within 250 ms, then a graceful stop)");
    }
}
