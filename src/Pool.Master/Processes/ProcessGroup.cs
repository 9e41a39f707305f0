using System.Globalization;

namespace Pool.Master.Processes;

/// <summary>The processes of a worker's group, read from /proc before the group is killed.</summary>
internal static class ProcessGroup
{
    /// <summary>
    /// Pids whose process group is <paramref name="pgid"/>, the leader excluded. A foreign worker
    /// started through a shell (sh -c "rake resque:work") registers under its own pid, not the
    /// leader's, so recovery needs them all. Processes that vanish while being read are skipped.
    /// </summary>
    public static IReadOnlyList<int> Members(int pgid)
    {
        var members = new List<int>();
        IEnumerable<string> dirs;
        try { dirs = Directory.EnumerateDirectories("/proc"); }
        catch (IOException) { return members; }
        catch (UnauthorizedAccessException) { return members; }
        foreach (var dir in dirs)
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == pgid) continue;
            if (GroupOf(pid) == pgid) members.Add(pid);
        }
        return members;
    }

    /// <summary>Field 5 of /proc/PID/stat; the command name before it may hold spaces and ')' so parse from the last ')'.</summary>
    private static int? GroupOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields.Length > 2 && int.TryParse(fields[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out var pgrp) ? pgrp : null;
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }
}
