using Pool.Protocol.Recovery;
using Mono.Unix.Native;
using Pool.Bench.Harness;
using Pool.Testing;

namespace Pool.Bench.Scenarios;

/// <summary>TERM to master exit while a job ignores its token, with term_timeout 2 s; the job must be requeued.</summary>
public sealed class StubbornScenario : IScenario
{
    public string Id => "term_stubborn";

    public async Task<IReadOnlyList<Figure>> RunAsync(BenchContext context, CancellationToken ct)
    {
        var ns = RedisServer.NewNamespace("bench");
        var probe = new PoolProbe(context.Db, ns);
        using var master = context.StartMaster("stubborn:\n  count: 1\n  term_timeout: 2\n", ns);
        Wait.Until(() => probe.ReadyChildren(master.Pid).Count == 1, TimeSpan.FromSeconds(30), "worker registered");

        await context.Db.SetAddAsync($"{ns}:queues", "stubborn").ConfigureAwait(false);
        await context.Db.ListRightPushAsync($"{ns}:queue:stubborn", """{"class":"Stubborn","args":[60]}""").ConfigureAwait(false);
        Wait.Until(() => context.Db.ListLength($"{ns}:queue:stubborn") == 0
                         && probe.RegisteredPids().Any(pid => context.Db.KeyExists($"{ns}:worker:{WorkerKey(context, ns, pid)}")),
            TimeSpan.FromSeconds(30), "the stubborn job to start");

        master.Signal(Signum.SIGTERM);
        var stop = PoolProbe.Time(() => master.HasExited, TimeSpan.FromSeconds(30), "master exit after TERM");
        var requeued = await context.Db.ListLengthAsync($"{ns}:queue:stubborn").ConfigureAwait(false);
        return
        [
            new Figure("term_to_exit_stubborn_ms", stop.TotalMilliseconds, "ms", "TERM to master exit, job ignores its token, term_timeout 2 s"),
            new Figure("stubborn_job_requeued", requeued, "jobs", "the stubborn job back on its queue after the kill (want 1)"),
        ];
    }

    private static string WorkerKey(BenchContext context, string ns, int pid) =>
        context.Db.SetMembers($"{ns}:workers").Select(v => (string)v!).First(id => WorkerIdentity.Parse(id).Pid == pid);
}
