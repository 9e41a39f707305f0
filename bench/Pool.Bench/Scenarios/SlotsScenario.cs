using Mono.Unix.Native;
using Pool.Bench.Harness;
using Pool.Bench.Peers;
using Pool.Protocol.Producing;
using Pool.Testing;

namespace Pool.Bench.Scenarios;

/// <summary>
/// Job slots per GB: 10 slots, every one running a sleeping job, and the PSS of the whole process
/// tree (master, workers, and forked job children where there are any) divided into them. Pool
/// with `concurrency: 1` (10 processes) and `concurrency: 10` (1 process), each with pool-worker and
/// with the sample jobs' Native AOT worker app; with --compare sidekiq
/// also Sidekiq (2 processes x 5 threads) and resque-pool's shape (a Ruby master, 10 Ruby workers,
/// each forking a child per job; see <see cref="ForkingRubyPeer"/> for what it leaves out).
/// </summary>
public sealed class SlotsScenario(bool peers) : IScenario
{
    private const int Slots = 10;
    private const int SleepSeconds = 120;
    private const string Queue = "slots";

    public string Id => "slots";

    public async Task<IReadOnlyList<Figure>> RunAsync(BenchContext context, CancellationToken ct)
    {
        var figures = new List<Figure>();
        foreach (var build in new[] { WorkerBuild.Jit, WorkerBuild.Aot })
        {
            foreach (var concurrency in new[] { 1, Slots })
            {
                var mb = await PoolAsync(context, concurrency, build).ConfigureAwait(false);
                figures.Add(new($"slots_per_gb_c{concurrency}{build.FigureSuffix()}", Slots / (mb / 1024), "slots/GB",
                    $"Pool, {Slots / concurrency} {build.Workers()} x concurrency: {concurrency}, every slot running a job: slots / PSS of master and workers ({mb:0} MB)"));
            }
        }
        if (!peers) return figures;

        var sidekiq = await SidekiqAsync(context).ConfigureAwait(false);
        figures.Add(new("sidekiq_slots_per_gb", Slots / (sidekiq / 1024), "slots/GB", $"Sidekiq {SidekiqPeer.Version()}, 2 processes x 5 threads, every thread running a job ({sidekiq:0} MB PSS)"));
        var forking = await ForkingRubyAsync(context).ConfigureAwait(false);
        figures.Add(new("resque_pool_shape_slots_per_gb", Slots / (forking / 1024), "slots/GB", $"resque-pool's shape (Ruby master, {Slots} Ruby workers, a forked child per job; without the resque gems, so a lower bound of its memory) ({forking:0} MB PSS)"));
        return figures;
    }

    private static async Task<double> PoolAsync(BenchContext context, int concurrency, WorkerBuild build)
    {
        var ns = RedisServer.NewNamespace("bench");
        using var master = context.StartMasterLoggingToFile($"{Queue}:\n  count: {Slots / concurrency}\n  concurrency: {concurrency}\n", ns, Path.Combine(context.Scratch, ns + ".log"), build.Env());
        new PoolProbe(context.Db, ns).WaitUntilIdle(master.Pid, Slots / concurrency, TimeSpan.FromSeconds(60));
        var producer = new Producer(context.Redis.Connection, ns);
        for (var i = 0; i < Slots; i++) await producer.EnqueueAsync(Queue, "Sleep", SleepSeconds).ConfigureAwait(false);
        await Wait.UntilAsync(() => context.Db.SetMembers($"{ns}:workers").Count(id => context.Db.KeyExists($"{ns}:worker:{id}")) == Slots,
            TimeSpan.FromSeconds(60), $"{Slots} jobs running").ConfigureAwait(false);
        var mb = await SettledPssAsync(master.Pid).ConfigureAwait(false);
        master.Signal(Signum.SIGINT);
        master.WaitForExit(TimeSpan.FromSeconds(30));
        return mb;
    }

    private static async Task<double> SidekiqAsync(BenchContext context)
    {
        SidekiqPeer.EnsureInstalled();
        var queue = "slots" + Guid.NewGuid().ToString("N")[..8];
        using var peer = SidekiqPeer.Start(context.Redis.Url, context.Scratch, queue);
        peer.WaitUntilReady(context.Db);
        await SidekiqScenario.Push(context.Db, queue, "SleepJob", $"[{SleepSeconds}]", Slots).ConfigureAwait(false);
        Wait.Until(() => context.Db.ListLength($"queue:{queue}") == 0, TimeSpan.FromSeconds(60), "Sidekiq to take every job");
        return await SettledPssAsync(peer.Pids.ToArray()).ConfigureAwait(false);
    }

    private static async Task<double> ForkingRubyAsync(BenchContext context)
    {
        ForkingRubyPeer.EnsureInstalled();
        var queue = "slots" + Guid.NewGuid().ToString("N")[..8];
        using var peer = ForkingRubyPeer.Start(context.Redis.Url, context.Scratch, queue, Slots);
        var payload = $$"""{"class":"SleepJob","args":[{{SleepSeconds}}]}""";
        await context.Db.ListRightPushAsync($"resque:queue:{queue}", Enumerable.Repeat((StackExchange.Redis.RedisValue)payload, Slots).ToArray()).ConfigureAwait(false);
        // Each worker's forked job child is a grandchild of the master.
        Wait.Until(() => context.Db.ListLength($"resque:queue:{queue}") == 0 && ProcFs.Children(peer.Pid).Sum(w => ProcFs.Children(w).Count) == Slots,
            TimeSpan.FromSeconds(60), "every Ruby worker to fork a job child");
        return await SettledPssAsync(peer.Pid).ConfigureAwait(false);
    }

    /// <summary>The tree's PSS after the start-up work settles (the runtime's tiered JIT, Ruby's lazy loads): the median of 5 readings a second apart.</summary>
    private static async Task<double> SettledPssAsync(params int[] roots)
    {
        await Task.Delay(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        var readings = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            readings.Add(Pss.TreeMb(roots));
            await Task.Delay(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        }
        readings.Sort();
        return readings[readings.Count / 2];
    }
}
