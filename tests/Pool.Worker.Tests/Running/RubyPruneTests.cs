using System.Diagnostics;
using Mono.Unix.Native;
using Pool.Protocol.Producing;
using Pool.Protocol.Recovery;
using Pool.Testing;
using Pool.Worker.Tests.Support;
using StackExchange.Redis;

namespace Pool.Worker.Tests.Running;

/// <summary>
/// A Ruby Resque worker starting on the same host prunes the workers of its queue list whose pid
/// ps does not show as a Resque worker (Worker#prune_dead_workers). A live Pool worker comes back
/// at its next lease renewal, and with --procline it is not pruned in the first place.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class RubyPruneTests(RedisFixture redis) : IDisposable
{
    private static readonly TimeSpan RestoreDeadline = TimeSpan.FromSeconds(3);
    private readonly Scratch _s = new();
    private IDatabase Db => redis.Server.Db;

    /// <summary>What Ruby's unregister_worker does to the registry (data_store.unregister_worker), in one MULTI.</summary>
    private async Task PruneLikeRubyAsync(string id)
    {
        var tx = Db.CreateTransaction();
        _ = tx.SetRemoveAsync(_s.Keys.Workers, id);
        _ = tx.KeyDeleteAsync([_s.Keys.Worker(id), _s.Keys.WorkerStarted(id)]);
        _ = tx.HashDeleteAsync(_s.Keys.Heartbeats, id);
        Assert.True(await tx.ExecuteAsync());
    }

    private async Task<(string? Started, string? Job)> RegistrationAsync(string id) =>
        ((string?)await Db.StringGetAsync(_s.Keys.WorkerStarted(id)), (string?)await Db.StringGetAsync(_s.Keys.Worker(id)));

    private async Task<bool> RestoredAsync(string id, string started, string? job) =>
        await Db.SetContainsAsync(_s.Keys.Workers, id)
        && await Db.HashExistsAsync(_s.Keys.Heartbeats, id)
        && await RegistrationAsync(id) == (started, job);

    [Fact(Timeout = 30_000)]
    public async Task A_busy_worker_pruned_from_resques_registry_restores_it_with_its_start_time_and_job_record()
    {
        await new Producer(redis.Server.Connection, _s.Namespace).EnqueueRawAsync("q", """{"class":"Sleep","args":[30],"id":"b/1"}""");
        using var worker = WorkerProcess.Start(redis.Server.Url, _s.Namespace, "q");
        worker.WaitForLine("Job started Sleep");
        var (started, job) = await RegistrationAsync(worker.WorkerId);
        Assert.NotNull(started);
        Assert.NotNull(job);

        await PruneLikeRubyAsync(worker.WorkerId);
        Assert.False(await RestoredAsync(worker.WorkerId, started, job));
        var clock = Stopwatch.StartNew();

        await Wait.UntilAsync(() => RestoredAsync(worker.WorkerId, started, job), RestoreDeadline, "the registration, start time, heartbeat and job record back");
        // The rebuilt record is byte for byte the one reserve wrote, run_at included.
        Assert.Equal("""{"class":"Sleep","args":[30],"id":"b/1"}""", job[(job.IndexOf("\"payload\":", StringComparison.Ordinal) + 10)..^1]);
        Assert.True(clock.Elapsed < RestoreDeadline, $"took {clock.Elapsed}");
    }

    [Fact(Timeout = 30_000)]
    public async Task An_idle_worker_pruned_from_resques_registry_restores_it_without_a_job_record()
    {
        using var worker = WorkerProcess.Start(redis.Server.Url, _s.Namespace, "q");
        var (started, _) = await RegistrationAsync(worker.WorkerId);
        Assert.NotNull(started);

        await PruneLikeRubyAsync(worker.WorkerId);

        await Wait.UntilAsync(() => RestoredAsync(worker.WorkerId, started, null), RestoreDeadline, "the registration, start time and heartbeat back");
    }

    [Fact] // every wait below is bounded
    public void With_procline_a_worker_is_among_the_pids_ruby_keeps_when_it_prunes()
    {
        using var marked = TestProcess.Start(Artifacts.PoolWorker, ["--jobs", Artifacts.SamplesDll, "--queues", "q", "--procline", WorkerIdentity.RubyVisibleProcline],
            new Dictionary<string, string?> { ["REDIS_URL"] = redis.Server.Url, ["POOL_NAMESPACE"] = _s.Namespace });
        using var plain = WorkerProcess.Start(redis.Server.Url, _s.Namespace, "q");
        marked.WaitForLine("Worker ready", TimeSpan.FromSeconds(15));

        // Resque 2.x's Worker#linux_worker_pids, verbatim.
        using var ps = TestProcess.Start("bash", ["-c", """ps -A -o pid,command | grep -E "[r]esque:work|[r]esque:\sStarting|[r]esque-[0-9]" | grep -v "resque-web" | awk '{print $1}'"""]);
        ps.WaitForExit(TimeSpan.FromSeconds(10));
        var kept = ps.Lines.ToHashSet();

        Assert.Contains(marked.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture), kept);
        Assert.DoesNotContain(plain.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture), kept);
        marked.Signal(Signum.SIGTERM);
        Assert.Equal(0, marked.WaitForExit(TimeSpan.FromSeconds(10)));
    }

    public void Dispose() => _s.Dispose();
}
