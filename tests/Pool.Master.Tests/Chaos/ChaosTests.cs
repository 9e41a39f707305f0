using Pool.Testing.Chaos;

namespace Pool.Master.Tests.Chaos;

/// <summary>
/// The promise under fire: thousands of jobs while workers, the master and Redis are killed.
/// Figures are printed; the bench's `chaos` scenario runs the same thing for longer.
/// </summary>
public sealed class ChaosTests(ITestOutputHelper output)
{
    [Fact(Timeout = 180_000)]
    public async Task Kill_9_of_workers_and_master_and_a_Redis_restart_lose_no_job_and_leave_no_process_behind()
    {
        var result = await RunCleanAsync(new ChaosOptions
        {
            Jobs = 3000,
            Workers = 4,
            ChaosFor = TimeSpan.FromSeconds(25),
            MinWorkerKills = 10,
        });

        Assert.True(result.Duplicates <= result.DuplicateBound, $"{result.Duplicates} duplicates > bound {result.DuplicateBound}");
        Assert.True(result.Stalls >= 2, $"only {result.Stalls} stalls: the chaos did not happen");
        Assert.Equal(1, result.MasterKills);
        Assert.Equal(1, result.RedisRestarts);
        Assert.True(result.WorkerKills >= 10, $"only {result.WorkerKills} worker kills: the chaos did not happen");
        Assert.True(result.OrphansGoneAfter is { } gone && gone < TimeSpan.FromSeconds(5),
            $"the dead master's workers took {result.OrphansGoneAfter?.TotalMilliseconds:0} ms to stop (want ~1 s: notice within 250 ms, then a graceful stop)");
    }

    [Fact(Timeout = 120_000)]
    public async Task Repeated_kill_9_of_workers_running_fast_jobs_reruns_at_most_one_job_per_kill_and_never_two_at_once()
    {
        var result = await RunCleanAsync(KillsOnly with { Workers = 3 });

        Assert.True(result.WorkerKills >= 8, $"only {result.WorkerKills} worker kills: the chaos did not happen");
        // Only a worker killed between a job's return and its ack's arrival re-runs a finished job.
        Assert.True(result.Duplicates <= result.WorkerKills, $"{result.Duplicates} duplicates > {result.WorkerKills} kills:\n{result.Describe()}");
        Assert.Equal(0, result.Poisoned);
    }

    [Fact(Timeout = 120_000)]
    public async Task Repeated_kill_9_of_workers_with_four_lanes_reruns_at_most_one_job_per_lane_and_kill_and_never_two_at_once()
    {
        var result = await RunCleanAsync(KillsOnly with { Workers = 2, Concurrency = 4 });

        Assert.True(result.WorkerKills >= 8, $"only {result.WorkerKills} worker kills: the chaos did not happen");
        // A kill -9 ends every lane's job at once; each lane may have been between a job's return and its ack.
        Assert.True(result.Duplicates <= 4 * result.WorkerKills, $"{result.Duplicates} duplicates > 4 x {result.WorkerKills} kills:\n{result.Describe()}");
        // Unstarted jobs are never held by a lane, so none is counted an attempt and none turns poison.
        Assert.Equal(0, result.Poisoned);
    }

    /// <summary>
    /// Only kill -9s of workers running fast jobs, every 350 to 600 ms, at least 8 of them; made
    /// anew for each test, so each draws its own seed.
    /// </summary>
    private static ChaosOptions KillsOnly => new()
    {
        Jobs = 3000,
        OneOffBlows = false,
        ChaosFor = TimeSpan.FromSeconds(7),
        MinWorkerKills = 8,
        KillEveryMin = TimeSpan.FromMilliseconds(350),
        KillEveryMax = TimeSpan.FromMilliseconds(600),
        JobMs = 1,
        DrainDeadline = TimeSpan.FromSeconds(45),
    };

    /// <summary>Runs the chaos, prints its figures, and checks what every run must leave: every job run, none twice at once, nothing behind.</summary>
    private async Task<ChaosResult> RunCleanAsync(ChaosOptions options)
    {
        await using var run = new ChaosRun(options with { Log = output.WriteLine });
        var result = await run.RunAsync();
        output.WriteLine(result.Describe());

        Assert.True(result.Drained, "the pool did not drain in time:\n" + result.Describe());
        Assert.Empty(result.LostTags);
        Assert.Empty(result.ConcurrentTags);
        Assert.Empty(result.Zombies);
        Assert.Empty(result.Orphans);
        Assert.Empty(result.Failed);
        Assert.Empty(result.Leftovers);
        Assert.Equal(0, result.MasterExitCode);
        return result;
    }
}
