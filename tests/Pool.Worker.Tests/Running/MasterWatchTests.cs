using System.Diagnostics;
using Mono.Unix.Native;
using Pool.Testing;
using Pool.Worker.Running;
using Pool.Worker.Tests.Support;

namespace Pool.Worker.Tests.Running;

/// <summary>How a worker learns that its master is gone: the master's pidfd, with real processes.</summary>
[Collection(RedisCollection.Name)]
public sealed class MasterWatchTests(RedisFixture redis) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly Scratch _s = new();

    [Fact(Timeout = 30_000)]
    public async Task A_process_exit_completes_its_task_and_nothing_does_before()
    {
        using var sleeper = Process.Start("sleep", "30");
        var exited = ProcessExit.WhenExited(sleeper.Id);
        Assert.NotNull(exited);
        Assert.False(exited.IsCompleted);

        sleeper.Kill();
        await exited.WaitAsync(Patience);
    }

    [Fact]
    public void No_process_no_task() => Assert.Null(ProcessExit.WhenExited(int.MaxValue));

    [Fact(Timeout = 30_000)]
    public void A_worker_whose_real_parent_is_killed_stops_as_on_TERM_and_exits()
    {
        // The parent plays the master: the worker is its child and names it in POOL_MASTER_PID.
        using var parent = TestProcess.Start("bash", ["-c", "POOL_MASTER_PID=$$ \"$@\" & wait", "parent", Artifacts.PoolWorker, "--jobs", Artifacts.SamplesDll],
            new Dictionary<string, string?>
            {
                ["REDIS_URL"] = redis.Server.Url,
                ["POOL_NAMESPACE"] = _s.Namespace,
                ["QUEUES"] = "q",
                ["TERM_TIMEOUT"] = "10",
                ["POOL_JOBS"] = null,
            });
        parent.WaitForLine("Worker ready", Patience);
        var worker = Assert.Single(ProcFs.Children(parent.Pid));
        try
        {
            parent.Signal(Signum.SIGKILL);
            parent.WaitForLine($"Master {parent.Pid} is gone; stopping as on TERM", Patience);
            Wait.Until(() => !ProcFs.IsAlive(worker), Patience, "the worker to exit");
        }
        finally
        {
            Syscall.kill(worker, Signum.SIGKILL);
        }
    }

    public void Dispose() => _s.Dispose();
}
