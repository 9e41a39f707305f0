using System.Globalization;

namespace Pool.Master.Processes;

/// <summary>Reads a process's resident set size from /proc/PID/status.</summary>
internal static class ProcStatus
{
    /// <summary>VmRSS in MiB, or null when the process is gone or the line is missing.</summary>
    public static double? ResidentMb(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (!line.StartsWith("VmRSS:", StringComparison.Ordinal)) continue;
                var parts = line["VmRSS:".Length..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                return long.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var kb) ? kb / 1024.0 : null;
            }
            return null;
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }
}
