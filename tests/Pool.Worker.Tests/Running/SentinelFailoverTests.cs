using System.Diagnostics;
using Pool.Protocol.Connection;
using Pool.Protocol.Payloads;
using Pool.Protocol.Producing;
using Pool.Testing;
using Pool.Worker.Tests.Support;

namespace Pool.Worker.Tests.Running;

/// <summary>
/// Rule 9 of delivery: a SENTINEL FAILOVER in the middle of a run loses no job, and re-runs no
/// finished one beyond the stated bound. Two real workers on the Sentinel REDIS_URL, with the
/// default confirmation (one replica must hold every reserve, ack and enqueue).
/// </summary>
public sealed class SentinelFailoverTests(ITestOutputHelper output) : IDisposable
{
    private const int Jobs = 4000;

    /// <summary>Each job works this long, so the run still has seconds to go when the sentinels switch.</summary>
    private const int JobMs = 2;

    /// <summary>
    /// The stated bound. With confirmed writes a failover repeats nothing in theory: an ack the
    /// new primary lacks is re-applied by the worker's retry. One per worker allows for the
    /// one finished-but-unacked job each may hold if its lease runs out before it follows.
    /// </summary>
    private const int DuplicateBound = 2;

    private readonly Scratch _s = new();

    [Fact(Timeout = 90_000)]
    public async Task A_failover_during_a_run_loses_nothing_and_repeats_within_the_bound()
    {
        using var cluster = await SentinelCluster.StartAsync();
        Assert.Equal(1, RedisUrl.MinReplicaAcks(cluster.Url));
        await using (var producer = await Producer.ConnectAsync(cluster.Url, _s.Namespace))
        {
            Assert.Equal(1, producer.Confirmation.Replicas);
            await producer.EnqueueManyRawAsync("q", Enumerable.Range(0, Jobs).Select(i => PayloadCodec.Encode("RecordSpan", [_s.File, "j" + i, JobMs])).ToList());
        }

        using var a = WorkerProcess.Start(cluster.Url, _s.Namespace, "q");
        using var b = WorkerProcess.Start(cluster.Url, _s.Namespace, "q");
        await Wait.UntilAsync(() => _s.Lines().Length >= Jobs / 10, TimeSpan.FromSeconds(30), "a tenth of the jobs to run");

        var ranBefore = _s.Lines().Length;
        var switched = await cluster.FailoverAsync();
        var sinceSwitch = Stopwatch.StartNew();
        var ranAtSwitch = _s.Lines().Length;
        try
        {
            await Wait.UntilAsync(() => _s.Lines().Length > ranAtSwitch + 50, TimeSpan.FromSeconds(40), "the workers to run jobs from the new primary");
        }
        catch (TimeoutException)
        {
            Diagnose();
            throw;
        }
        var resumedAfter = sinceSwitch.Elapsed;
        try
        {
            await Wait.UntilAsync(() => Tags().Distinct().Count() >= Jobs && cluster.Primary.Db.ListLength(_s.Keys.Queue("q")) == 0,
                TimeSpan.FromSeconds(40), "every job to run and the new primary's queue to drain");
        }
        catch (TimeoutException)
        {
            Diagnose();
            throw;
        }

        void Diagnose()
        {
            output.WriteLine($"ran {Tags().Distinct().Count()} of {Jobs}; queued on {cluster.Primary.Port}: {cluster.Primary.Db.ListLength(_s.Keys.Queue("q"))}");
            foreach (var w in new[] { a, b }) output.WriteLine(string.Join('\n', w.Process.Lines.Where(l => !l.Contains("Job ", StringComparison.Ordinal)).TakeLast(30)));
        }

        var runs = Tags().GroupBy(t => t).ToDictionary(g => g.Key, g => g.Count());
        var lost = Enumerable.Range(0, Jobs).Count(i => !runs.ContainsKey("j" + i));
        var duplicates = runs.Values.Sum(n => n - 1);
        output.WriteLine($"jobs={Jobs} ran_before_failover={ranBefore} sentinels_switched_in={switched.TotalSeconds:0.0}s " +
            $"ran_by_switch={ranAtSwitch} workers_resumed_on_new_primary_after={resumedAfter.TotalSeconds:0.0}s lost={lost} duplicates={duplicates} (bound {DuplicateBound})");
        Assert.Equal(0, lost);
        Assert.True(duplicates <= DuplicateBound, $"{duplicates} jobs ran twice; the bound is {DuplicateBound}");
        Assert.Contains("min_replica_acks=1", a.Process.Output, StringComparison.Ordinal);
        foreach (var w in new[] { a, b })
            Assert.False(w.Process.HasExited, "the workers ride through the failover; this one exited:\n" + string.Join('\n', w.Process.Lines.TakeLast(40)));
    }

    /// <summary>One tag per run: RecordSpan writes "tag started ended".</summary>
    private IEnumerable<string> Tags() => _s.Lines().Select(l => l.Split(' ')[0]);

    public void Dispose() => _s.Dispose();
}
