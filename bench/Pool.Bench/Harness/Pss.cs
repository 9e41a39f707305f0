using System.Globalization;
using Pool.Testing;

namespace Pool.Bench.Harness;

/// <summary>
/// Proportional set size from /proc/PID/smaps_rollup: each shared page (the runtime's code, a
/// forked child's copy-on-write pages) counts once in total, split among the processes that map
/// it, so summing PSS over a pool gives what it really costs the machine, unlike RSS.
/// </summary>
public static class Pss
{
    /// <summary>PSS of one process in MB; 0 when it is gone or unreadable.</summary>
    public static double Mb(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/smaps_rollup"))
            {
                if (!line.StartsWith("Pss:", StringComparison.Ordinal)) continue;
                var kb = line["Pss:".Length..].Trim().Split(' ')[0];
                return double.Parse(kb, CultureInfo.InvariantCulture) / 1024;
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return 0;
    }

    /// <summary>The sum over <paramref name="roots"/> and all their descendants (workers, forked job children).</summary>
    public static double TreeMb(params int[] roots)
    {
        var total = 0.0;
        var pending = new Stack<int>(roots);
        var seen = new HashSet<int>();
        while (pending.Count > 0)
        {
            var pid = pending.Pop();
            if (!seen.Add(pid)) continue;
            total += Mb(pid);
            foreach (var child in ProcFs.Children(pid)) pending.Push(child);
        }
        return total;
    }
}
