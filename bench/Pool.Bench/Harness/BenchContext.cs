using Pool.Testing;
using StackExchange.Redis;

namespace Pool.Bench.Harness;

/// <summary>
/// What every scenario shares: a private redis-server on a free port, the published binaries,
/// and a scratch folder. Each scenario uses its own key namespace so runs do not see each other.
/// </summary>
public sealed class BenchContext : IDisposable
{
    public RedisServer Redis { get; }
    public string Scratch { get; } = Directory.CreateTempSubdirectory("pool-bench").FullName;
    public int Jobs { get; init; } = 20_000;
    public TimeSpan Duration { get; init; } = TimeSpan.FromMinutes(2);

    public BenchContext(RedisServer redis) => Redis = redis;

    public IDatabase Db => Redis.Db;

    public string WriteConfig(string yaml)
    {
        var path = Path.Combine(Scratch, $"pool-{Guid.NewGuid():N}.yml");
        File.WriteAllText(path, yaml);
        return path;
    }

    /// <summary>Starts pool-master on this Redis with the given pool.yml text and extra environment.</summary>
    public TestProcess StartMaster(string yaml, string ns, IDictionary<string, string?>? env = null, params string[] args) =>
        TestProcess.Start(Artifacts.PoolMaster, ["run", "-c", WriteConfig(yaml), .. args], PoolEnvironment.For(Redis.Url, ns, env), Scratch);

    /// <summary>
    /// Starts pool-master with its output (and its workers') going to a log file, as a deployment
    /// would: reading every job's log line back would cost the bench CPU that the pool needs.
    /// The shell execs, so the returned pid is the master's.
    /// </summary>
    public TestProcess StartMasterLoggingToFile(string yaml, string ns, string logFile, IDictionary<string, string?>? env = null)
    {
        var environment = PoolEnvironment.For(Redis.Url, ns, env);
        environment["POOL_BENCH_MASTER"] = Artifacts.PoolMaster;
        environment["POOL_BENCH_CONFIG"] = WriteConfig(yaml);
        environment["POOL_BENCH_LOG"] = logFile;
        return TestProcess.Start("bash", ["-c", "exec \"$POOL_BENCH_MASTER\" run -c \"$POOL_BENCH_CONFIG\" >\"$POOL_BENCH_LOG\" 2>&1"], environment, Scratch);
    }

    public void Dispose()
    {
        try { Directory.Delete(Scratch, recursive: true); }
        catch (IOException) { }
    }
}
