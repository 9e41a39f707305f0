using Mono.Unix.Native;
using Pool.Protocol.Keys;
using Pool.Protocol.Recovery;
using Pool.Testing;

namespace Pool.Worker.Tests.Support;

/// <summary>A real pool-worker process with the sample jobs (or their Native AOT worker app), in its own key namespace.</summary>
public sealed class WorkerProcess : IDisposable
{
    private WorkerProcess(TestProcess process, string queues)
    {
        Process = process;
        WorkerId = WorkerIdentity.For(process.Pid, queues);
    }

    public TestProcess Process { get; }
    public string WorkerId { get; }
    public int Pid => Process.Pid;

    /// <param name="ignoring">Signal names a shell ignores before it execs the worker, as a script's `pool-worker &` or nohup would.</param>
    /// <param name="aot">Run the sample jobs' Native AOT worker app (jobs built in) instead of pool-worker --jobs Pool.Samples.dll.</param>
    public static WorkerProcess Start(string redisUrl, string ns, string queues, IDictionary<string, string?>? env = null, bool waitReady = true, IReadOnlyList<string>? ignoring = null, bool aot = false)
    {
        var all = new Dictionary<string, string?>
        {
            ["REDIS_URL"] = redisUrl,
            ["POOL_NAMESPACE"] = ns,
            ["QUEUES"] = queues,
            ["TERM_TIMEOUT"] = "10",
            ["POOL_MASTER_PID"] = null,
            ["POOL_JOBS"] = null,
        };
        if (env is not null) foreach (var (k, v) in env) all[k] = v;
        var program = aot ? Artifacts.AotSamplesWorker : Artifacts.PoolWorker;
        string[] argv = aot ? [] : ["--jobs", Artifacts.SamplesDll];
        var process = ignoring is null
            ? TestProcess.Start(program, argv, all)
            : TestProcess.Start("bash", ["-c", $"trap '' {string.Join(' ', ignoring)}; exec \"$@\"", "pool-worker", program, .. argv], all);
        var worker = new WorkerProcess(process, queues);
        if (waitReady) process.WaitForLine("Worker ready", TimeSpan.FromSeconds(15));
        return worker;
    }

    public void Signal(Signum signal) => Process.Signal(signal);

    public string WaitForLine(string text, int seconds = 10) => Process.WaitForLine(text, TimeSpan.FromSeconds(seconds));

    public int WaitForExit(int seconds = 10) => Process.WaitForExit(TimeSpan.FromSeconds(seconds));

    public void Dispose() => Process.Dispose();
}

/// <summary>Several bare workers on the same queues; disposing disposes them all.</summary>
public sealed class WorkerSet(IReadOnlyList<WorkerProcess> workers) : IDisposable
{
    public static WorkerSet Start(int count, string redisUrl, string ns, string queues, IDictionary<string, string?>? env = null) =>
        new([.. Enumerable.Range(0, count).Select(_ => WorkerProcess.Start(redisUrl, ns, queues, env))]);

    public IReadOnlyList<WorkerProcess> All => workers;

    public void Dispose()
    {
        foreach (var w in workers) w.Dispose();
    }
}

/// <summary>Keys of one test's namespace, and a scratch file for Record jobs.</summary>
public sealed class Scratch : IDisposable
{
    public Scratch()
    {
        Namespace = RedisServer.NewNamespace();
        Keys = new ResqueKeys(Namespace);
        File = Path.Combine(Path.GetTempPath(), "pool-" + Namespace + ".txt");
    }

    public string Namespace { get; }
    public ResqueKeys Keys { get; }
    public string File { get; }

    public string[] Lines() => System.IO.File.Exists(File) ? System.IO.File.ReadAllLines(File) : [];

    public void Dispose()
    {
        try { System.IO.File.Delete(File); } catch (IOException) { }
    }
}
