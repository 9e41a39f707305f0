namespace Pool.Testing.Chaos;

/// <summary>
/// Finds a chaos run's processes in /proc by the POOL_NAMESPACE in their environment, which the
/// master passes on to every worker: a worker whose master died (re-parented to init) is found
/// just as well as one that is still a child.
/// </summary>
internal static class PoolProcesses
{
    /// <summary>Live (not zombie) processes whose environment has POOL_NAMESPACE=<paramref name="ns"/>.</summary>
    public static List<int> InNamespace(string ns) =>
        ProcFs.AllPids().Where(pid => ProcFs.IsAlive(pid) && NamespaceOf(pid) == ns).ToList();

    public static List<int> Workers(string ns) => InNamespace(ns).Where(IsWorker).ToList();

    public static bool IsWorker(int pid) => CommandLine(pid).Contains("pool-worker", StringComparison.Ordinal);

    public static string CommandLine(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim(); }
        catch (IOException) { return ""; }
        catch (UnauthorizedAccessException) { return ""; }
    }

    private static string? NamespaceOf(int pid)
    {
        try { return ProcFs.Environment(pid).GetValueOrDefault("POOL_NAMESPACE"); }
        // Gone, or another user's process: either way not ours.
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }
}
