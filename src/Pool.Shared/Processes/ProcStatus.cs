using System.Globalization;

namespace Pool.Processes;

/// <summary>Reads fields of /proc/PID/status: a process's resident set size and its signal masks.</summary>
internal static class ProcStatus
{
    /// <summary>VmRSS in MiB, or null when the process is gone or the line is missing.</summary>
    public static double? ResidentMb(int pid) =>
        Field(pid, "VmRSS") is { } value
        && long.TryParse(value.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var kb)
            ? kb / 1024.0
            : null;

    /// <summary>A signal mask (SigIgn, SigCgt, ...) where bit n-1 stands for signal n; null when unreadable.</summary>
    public static ulong? SignalMask(int pid, string name) =>
        Field(pid, name) is { } value && ulong.TryParse(value, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var mask) ? mask : null;

    /// <summary>Whether the process is stopped (SIGSTOP, or traced); false when unreadable.</summary>
    public static bool IsStopped(int pid) => Field(pid, "State") is { Length: > 0 } state && state[0] is 'T' or 't';

    private static string? Field(int pid, string name)
    {
        var prefix = name + ":";
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith(prefix, StringComparison.Ordinal)) return line[prefix.Length..].Trim();
            }
            return null;
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }
}
