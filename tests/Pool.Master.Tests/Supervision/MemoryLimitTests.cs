using Pool.Testing;

namespace Pool.Master.Tests.Supervision;

public sealed class MemoryLimitTests
{
    [Fact]
    public void A_worker_over_its_memory_limit_is_recycled_gently_and_its_slot_refilled()
    {
        // The hog holds 150 MB plus the runtime's own: over 120 MB, under twice that.
        using var run = MasterRun.Start("fat:\n  count: 1\n  memory_limit_mb: 120\n", mode: "hog",
            env: new Dictionary<string, string?> { ["POOL_TEST_HOG_MB"] = "150" });
        var first = run.WaitForReadyWorkers(1)[0];

        run.WaitForWorkerLine(first, "exiting on QUIT", TimeSpan.FromSeconds(10));
        Wait.Until(() => run.Workers().Any(p => p != first), TimeSpan.FromSeconds(5), "a replacement worker");

        Assert.Contains($"worker {first} ", run.WaitForMasterLine("recycling it gently"));
        Assert.DoesNotContain(run.MasterLines(), l => l.Contains("crash-looping", StringComparison.Ordinal));
    }

    [Fact]
    public void A_worker_over_twice_its_memory_limit_is_stopped_with_term()
    {
        using var run = MasterRun.Start("fat:\n  count: 1\n  memory_limit_mb: 60\n", mode: "hog",
            env: new Dictionary<string, string?> { ["POOL_TEST_HOG_MB"] = "150" });
        var first = run.WaitForReadyWorkers(1)[0];

        Wait.Until(() => !ProcFs.IsAlive(first), TimeSpan.FromSeconds(5), "the hog to stop");

        Assert.True(run.HasLogged(first, "signal TERM"));
        Assert.Contains($"worker {first} ", run.WaitForMasterLine("over twice its limit"));
    }
}
