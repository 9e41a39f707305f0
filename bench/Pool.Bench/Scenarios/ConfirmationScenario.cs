using System.Diagnostics;
using Pool.Bench.Harness;
using Pool.Protocol.Connection;
using Pool.Protocol.Keys;
using Pool.Protocol.Payloads;
using Pool.Protocol.Producing;
using Pool.Protocol.Working;
using Pool.Testing;

namespace Pool.Bench.Scenarios;

/// <summary>
/// What replica confirmation (min_replica_acks=1, the Sentinel default) costs a job: one worker's
/// reserve+ack loop, in process, on a primary with one replica on loopback, with and without the
/// WAIT behind each script. The difference is the replica's round trip per job.
/// </summary>
public sealed class ConfirmationScenario : IScenario
{
    private const int Jobs = 20_000;

    public string Id => "confirm";

    public async Task<IReadOnlyList<Figure>> RunAsync(BenchContext context, CancellationToken ct)
    {
        using var primary = RedisServer.Start();
        using var replica = RedisServer.StartReplicaOf(primary.Port);
        Wait.Until(() => ((string?)replica.Db.Execute("INFO", "replication") ?? "").Contains("master_link_status:up", StringComparison.Ordinal),
            TimeSpan.FromSeconds(15), "the replica to sync");

        var none = await PerJobAsync(primary, ReplicaConfirmation.None).ConfigureAwait(false);
        var one = await PerJobAsync(primary, new ReplicaConfirmation(1)).ConfigureAwait(false);
        return
        [
            new("confirm_none_us_per_job", none, "us", "reserve+ack per job, one worker, no replica confirmation (primary with a replica, loopback)"),
            new("confirm_one_us_per_job", one, "us", "the same with min_replica_acks=1: WAIT 1 pipelined behind each script"),
            new("confirm_cost_us_per_job", one - none, "us", "what confirming by one replica adds to each job"),
        ];
    }

    private static async Task<double> PerJobAsync(RedisServer primary, ReplicaConfirmation confirmation)
    {
        var ns = RedisServer.NewNamespace("bench");
        await new Producer(primary.Connection, ns, ReplicaConfirmation.None)
            .EnqueueManyRawAsync("q", Enumerable.Range(0, Jobs).Select(_ => PayloadCodec.Encode("Noop", [])).ToList()).ConfigureAwait(false);
        var worker = new WorkerStore(primary.Db, new ResqueKeys(ns), "bench:1:q", ["q"]) { Confirmation = confirmation };
        await worker.RegisterAsync().ConfigureAwait(false);
        var clock = Stopwatch.StartNew();
        string? ack = null;
        var done = 0;
        while (true)
        {
            var r = await worker.ReserveAsync(ack).ConfigureAwait(false);
            if (r.Status != ReserveStatus.Job) break;
            ack = r.Job!.Rid;
            done++;
        }
        return clock.Elapsed.TotalMicroseconds / done;
    }
}
