using System.Globalization;
using System.Text.RegularExpressions;
using Pool.Testing;

namespace Pool.Master.Tests.Supervision;

/// <summary>
/// The tests follow the worker the master names in its log line, not the first one they see
/// ready: on a loaded machine the master can sample and stop the first hog before the test
/// has looked, and then the first worker the test sees is already its replacement.
/// </summary>
public sealed partial class MemoryLimitTests
{
    [Fact(Timeout = 60_000)]
    public async Task A_worker_over_its_memory_limit_is_recycled_gently_and_its_slot_refilled()
    {
        // The hog holds 150 MB plus the runtime's own: over 120 MB, under twice that.
        using var run = MasterRun.Start("fat:\n  count: 1\n  memory_limit_mb: 120\n", mode: "hog",
            env: new Dictionary<string, string?> { ["POOL_TEST_HOG_MB"] = "150" });
        var hog = await Task.Run(() => NamedWorker(run.WaitForMasterLine("recycling it gently", TimeSpan.FromSeconds(20))));

        run.WaitForWorkerLine(hog, "exiting on QUIT", TimeSpan.FromSeconds(10));
        Wait.Until(() => run.Workers().Any(p => p != hog), TimeSpan.FromSeconds(5), "a replacement worker");
        Assert.DoesNotContain(run.MasterLines(), l => l.Contains("crash-looping", StringComparison.Ordinal));
    }

    [Fact(Timeout = 60_000)]
    public async Task A_worker_over_twice_its_memory_limit_is_stopped_with_term()
    {
        using var run = MasterRun.Start("fat:\n  count: 1\n  memory_limit_mb: 60\n", mode: "hog",
            env: new Dictionary<string, string?> { ["POOL_TEST_HOG_MB"] = "150" });
        var hog = await Task.Run(() => NamedWorker(run.WaitForMasterLine("over twice its limit", TimeSpan.FromSeconds(20))));

        Wait.Until(() => !ProcFs.IsAlive(hog), TimeSpan.FromSeconds(5), "the hog to stop");
        Assert.True(run.HasLogged(hog, "signal TERM"), $"worker {hog} should have logged the TERM it got");
    }

    private static int NamedWorker(string masterLine) =>
        int.Parse(WorkerPid().Match(masterLine).Groups[1].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"worker (\d+) \(")]
    private static partial Regex WorkerPid();
}
