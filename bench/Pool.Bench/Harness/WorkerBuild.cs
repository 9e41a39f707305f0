using Pool.Testing;

namespace Pool.Bench.Harness;

/// <summary>
/// Which program a scenario's pool runs in its worker slots: pool-worker, which loads the sample
/// jobs from Pool.Samples.dll and compiles them and itself at run time (.NET's tiered JIT), or the
/// sample jobs' Native AOT worker app (samples/Pool.Samples.AotWorker), the same loop compiled
/// ahead of time, which compiles nothing at run time.
/// </summary>
public enum WorkerBuild
{
    Jit,
    Aot,
}

public static class WorkerBuilds
{
    /// <summary>The suffix of a scenario's id and of its figures' names: "" for pool-worker, "-aot" / "_aot" for the AOT app.</summary>
    public static string IdSuffix(this WorkerBuild build) => build == WorkerBuild.Aot ? "-aot" : "";

    public static string FigureSuffix(this WorkerBuild build) => build == WorkerBuild.Aot ? "_aot" : "";

    /// <summary>How the figures' descriptions name the workers.</summary>
    public static string Workers(this WorkerBuild build) => build == WorkerBuild.Aot ? "Native AOT workers (pool-samples-worker)" : "pool-workers";

    /// <summary>
    /// The master's environment for this build, over <paramref name="extra"/>: the AOT app is the
    /// master's worker command (POOL_WORKER_COMMAND), and POOL_JOBS is unset, since it has its
    /// jobs built in.
    /// </summary>
    public static Dictionary<string, string?> Env(this WorkerBuild build, IDictionary<string, string?>? extra = null)
    {
        var env = extra is null ? new Dictionary<string, string?>() : new Dictionary<string, string?>(extra);
        if (build == WorkerBuild.Aot)
        {
            env["POOL_WORKER_COMMAND"] = Artifacts.AotSamplesWorker;
            env["POOL_JOBS"] = null;
        }
        return env;
    }
}
