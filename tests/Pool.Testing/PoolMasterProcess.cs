using Mono.Unix.Native;
using Pool.Protocol.Keys;
using Pool.Protocol.Recovery;
using StackExchange.Redis;

namespace Pool.Testing;

/// <summary>
/// A real pool-master running its default worker command (real pool-workers with the sample
/// jobs) on one Redis namespace, in a temp directory with its own pool.yml. Disposing kills the
/// master and the process group of every worker it was seen with.
/// </summary>
public sealed class PoolMasterProcess : IDisposable
{
    private readonly SeenWorkers _seenWorkers = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("pool-master").FullName;
    private readonly ResqueKeys _keys;

    private PoolMasterProcess(string ns) => _keys = new ResqueKeys(ns);

    public TestProcess Process { get; private set; } = null!;

    public static PoolMasterProcess Start(string redisUrl, string ns, string yaml, IDictionary<string, string?>? env = null)
    {
        var master = new PoolMasterProcess(ns);
        var config = Path.Combine(master._dir, "pool.yml");
        File.WriteAllText(config, yaml);
        var all = PoolEnvironment.For(redisUrl, ns, new Dictionary<string, string?>
        {
            ["DYNO"] = null,
            ["RESQUE_TERM_TIMEOUT"] = null,
            ["TERM_TIMEOUT"] = "5",
        });
        foreach (var (k, v) in env ?? new Dictionary<string, string?>()) all[k] = v;
        master.Process = TestProcess.Start(Artifacts.PoolMaster, ["run", "-c", config], all, master._dir);
        return master;
    }

    /// <summary>Worker ids of the master's live children that are registered as Pool workers.</summary>
    public IReadOnlyList<string> Workers(IDatabase db)
    {
        var ids = db.SetMembers(_keys.PoolWorkers).Select(v => (string)v!)
            .Where(id => WorkerIdentity.Parse(id).Pid is { } pid && ProcFs.IsAlive(pid) && ProcFs.ParentPidOrNull(pid) == Process.Pid)
            .ToList();
        _seenWorkers.Add(ids.Select(id => WorkerIdentity.Parse(id).Pid!.Value));
        return ids;
    }

    /// <summary>Waits until exactly <paramref name="count"/> children are registered; returns their worker ids.</summary>
    public async Task<IReadOnlyList<string>> WaitForWorkersAsync(IDatabase db, int count, TimeSpan? timeout = null)
    {
        IReadOnlyList<string> ids = [];
        await Wait.UntilAsync(() => (ids = Workers(db)).Count == count, timeout ?? TimeSpan.FromSeconds(20),
            $"{count} registered workers of master {Process.Pid}. Output:\n{Process.Output}").ConfigureAwait(false);
        return ids;
    }

    public void Dispose()
    {
        Process?.Dispose();
        _seenWorkers.KillGroups();
        try { Directory.Delete(_dir, recursive: true); }
        catch (IOException) { }
    }
}
