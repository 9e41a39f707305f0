using Mono.Unix.Native;

namespace Pool.Testing;

/// <summary>
/// Every worker pid a test saw under its master, so a census can look for zombies among them and
/// cleanup can kill each one's process group even when the master's own cleanup never ran.
/// Added to from the test's thread and from background polls alike.
/// </summary>
public sealed class SeenWorkers
{
    private readonly HashSet<int> _pids = [];

    public void Add(IEnumerable<int> pids)
    {
        lock (_pids) _pids.UnionWith(pids);
    }

    public IReadOnlyList<int> All
    {
        get { lock (_pids) return [.. _pids]; }
    }

    /// <summary>SIGKILL to the group of every worker seen: each worker leads its own group.</summary>
    public void KillGroups()
    {
        foreach (var pid in All) Syscall.kill(-pid, Signum.SIGKILL);
    }
}
