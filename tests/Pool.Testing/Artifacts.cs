namespace Pool.Testing;

/// <summary>
/// Where the published executables live. scripts/test.sh publishes pool-master, pool-worker,
/// Pool.Samples.dll, pool-test-worker and Pool.BrokenJobs.dll into artifacts/bin; POOL_BIN overrides the folder.
/// </summary>
public static class Artifacts
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string BinDir { get; } =
        Environment.GetEnvironmentVariable("POOL_BIN") is { Length: > 0 } bin ? Path.GetFullPath(bin) : Path.Combine(RepoRoot, "artifacts", "bin");

    public static string PoolMaster => Require("pool-master");
    public static string PoolWorker => Require("pool-worker");
    public static string TestWorker => Require("pool-test-worker");
    public static string SamplesDll => Require("Pool.Samples.dll");

    /// <summary>The sample jobs' Native AOT worker app (samples/Pool.Samples.AotWorker): pool-worker's loop, compiled ahead of time.</summary>
    public static string AotSamplesWorker => Require(Path.Combine("aot", "pool-samples-worker"));

    /// <summary>A job assembly that loads but cannot run: two job classes answer to "Send".</summary>
    public static string BrokenJobsDll => Require("Pool.BrokenJobs.dll");

    private static string Require(string name)
    {
        var path = Path.Combine(BinDir, name);
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path} is missing; run scripts/test.sh, which publishes it into {BinDir}");
        return path;
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "pool.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("cannot find pool.sln above " + AppContext.BaseDirectory);
    }
}
