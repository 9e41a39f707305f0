using Mono.Unix.Native;
using Pool.Protocol.Keys;
using Pool.Settings;
using Pool.Testing;
using Pool.Worker.Tests.Support;

namespace Pool.Worker.Tests.Running;

/// <summary>
/// A standby pool-worker (POOL_STANDBY=1, as pool-master starts one for `standby: N`): connected
/// but unregistered until its stdin says "slot N"; a stop or the end of its input ends it.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class StandbyTests(RedisFixture redis) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);
    private readonly Scratch _s = new();

    private TestProcess StartStandby() =>
        TestProcess.Start(Artifacts.PoolWorker, ["--jobs", Artifacts.SamplesDll], new Dictionary<string, string?>
        {
            ["REDIS_URL"] = redis.Server.Url,
            ["POOL_NAMESPACE"] = _s.Namespace,
            ["QUEUES"] = "q",
            ["TERM_TIMEOUT"] = "10",
            ["POOL_JOBS"] = null,
            ["POOL_WORKER_SLOT"] = null,
            [PoolVariables.Standby] = "1",
        }, pipeStdin: true);

    private long Registered() => redis.Server.Db.SetLength(new ResqueKeys(_s.Namespace).Workers);

    [Theory]
    [InlineData("slot 4", 4)]
    [InlineData("slot 0", 0)]
    [InlineData("slot x", null)]
    [InlineData("4", null)]
    [InlineData(null, null)]
    public void The_promotion_line_is_slot_and_a_number(string? line, int? slot) => Assert.Equal(slot, StandbyPromotion.Parse(line));

    [Fact(Timeout = 30_000)]
    public void A_standby_registers_only_once_it_is_given_a_slot_then_works_as_that_slot()
    {
        using var worker = StartStandby();
        worker.WaitForLine("standing by", Patience);
        Assert.Equal(0, Registered());

        worker.WriteInput(StandbyPromotion.Line(4));
        worker.WaitForLine("Worker ready", Patience);
        Assert.Contains(worker.Lines, l => l.Contains("starting: slot=4 ", StringComparison.Ordinal));
        Assert.Equal(1, Registered());

        worker.Signal(Signum.SIGTERM);
        Assert.Equal(0, worker.WaitForExit(Patience));
    }

    [Theory(Timeout = 30_000)]
    [InlineData(Signum.SIGTERM)]
    [InlineData(Signum.SIGQUIT)]
    public void A_stop_ends_a_standby_at_once_without_registering(Signum signal)
    {
        using var worker = StartStandby();
        worker.WaitForLine("standing by", Patience);

        worker.Signal(signal);
        Assert.Equal(0, worker.WaitForExit(Patience));
        Assert.Contains(worker.Lines, l => l.Contains("Standby worker", StringComparison.Ordinal) && l.Contains("stopped on", StringComparison.Ordinal));
        Assert.Equal(0, Registered());
    }

    [Fact(Timeout = 30_000)]
    public void The_end_of_its_input_means_its_master_is_gone_and_it_exits()
    {
        using var worker = StartStandby();
        worker.WaitForLine("standing by", Patience);

        worker.CloseInput();
        Assert.Equal(0, worker.WaitForExit(Patience));
        Assert.Contains(worker.Lines, l => l.Contains("its master is gone", StringComparison.Ordinal));
        Assert.Equal(0, Registered());
    }

    public void Dispose() => _s.Dispose();
}
