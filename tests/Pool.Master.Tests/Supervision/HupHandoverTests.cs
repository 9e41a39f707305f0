using Mono.Unix.Native;
using Pool.Protocol.Recovery;
using Pool.Testing;
using StackExchange.Redis;

namespace Pool.Master.Tests.Supervision;

/// <summary>A HUP with real pool-workers on a real Redis: the old workers stop only once the new ones are ready.</summary>
public sealed class HupHandoverTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private readonly string _ns = RedisServer.NewNamespace();
    private IDatabase Db => redis.Server.Db;

    [Fact(Timeout = 60_000)]
    public async Task A_hup_stops_the_old_worker_only_once_its_replacement_is_ready_for_jobs()
    {
        using var master = PoolMasterProcess.Start(redis.Server.Url, _ns, "q: 1\n");
        var oldPid = WorkerIdentity.Parse((await master.WaitForWorkersAsync(Db, 1))[0]).Pid!.Value;

        master.Process.Signal(Signum.SIGHUP);
        var retiring = $"retiring worker {oldPid} ";
        await Wait.UntilAsync(() => master.Process.Output.Contains(retiring, StringComparison.Ordinal), TimeSpan.FromSeconds(20), "the old worker to be retired");

        // Before: the old worker had TERM some 0.5 s before its replacement could take a job, even
        // before the replacement had logged its start. Its "Worker ready" line may trail the
        // master's retire line by a millisecond (it is logged just after the registration the
        // master waits for), so the order is checked against the master's own ready line and the
        // replacement's start line, which comes before its registration.
        var lines = master.Process.Output.Split('\n');
        var retired = Array.FindIndex(lines, l => l.Contains(retiring, StringComparison.Ordinal));
        var handover = Array.FindIndex(lines, l => l.Contains("HUP: the new workers are ready after", StringComparison.Ordinal));
        var replacementStarting = Array.FindIndex(lines, l => l.Contains(" starting: slot=", StringComparison.Ordinal) && !l.Contains($"[worker {oldPid}]", StringComparison.Ordinal));
        Assert.True(replacementStarting >= 0 && replacementStarting < handover && handover < retired,
            "the replacement started and registered before the old worker is told to stop:\n" + master.Process.Output);
        var newPid = WorkerIdentity.Parse((await master.WaitForWorkersAsync(Db, 1))[0]).Pid!.Value;
        Assert.NotEqual(oldPid, newPid);
    }
}
