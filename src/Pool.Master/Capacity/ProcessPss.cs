namespace Pool.Master.Capacity;

/// <summary>
/// What a process really costs: its proportional set size, where a page shared by n processes
/// (the runtime's code, mapped by every worker) counts 1/n to each, so the PSS of all workers
/// adds up to what they take together. RSS would count the shared runtime once per worker.
/// Only the process itself: a job's own subprocesses are not included.
/// </summary>
internal static class ProcessPss
{
    /// <summary>PSS in bytes from /proc/PID/smaps_rollup (Linux 4.14+); null when the process is gone or the file is unreadable.</summary>
    public static long? Read(int pid, string proc = "/proc")
    {
        try
        {
            foreach (var line in File.ReadLines($"{proc}/{pid}/smaps_rollup"))
            {
                if (line.StartsWith("Pss:", StringComparison.Ordinal)) return Kilobytes.Parse(line["Pss:".Length..]) * 1024;
            }
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
