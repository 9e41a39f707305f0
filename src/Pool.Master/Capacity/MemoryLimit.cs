using System.Globalization;

namespace Pool.Master.Capacity;

/// <summary>The memory the pool may use on this machine, and where that figure came from (for logs and `check`).</summary>
public sealed record MemoryLimit(long Bytes, string Source)
{
    /// <summary>The cgroup file that counts the OOM killer's kills under this limit; null for the whole machine's memory.</summary>
    public string? OomEventsPath { get; init; }

    /// <summary>The source of a limit that is the whole machine's memory: no cgroup sets a lower one.</summary>
    public const string MachineSource = "/proc/meminfo MemTotal";

    public bool IsWholeMachine => Source == MachineSource;

    public override string ToString() => $"{Megabytes.Format(Bytes)} ({Source})";
}

/// <summary>
/// Reads the memory limit this process runs under: the tightest memory.max (cgroup v2) or
/// memory.limit_in_bytes (cgroup v1) on the way from its own cgroup up to the root of the
/// hierarchy, and never more than the machine's MemTotal. A limit only counts where it is below
/// MemTotal: cgroups write "max" or a huge page-rounded number when there is none.
/// </summary>
/// <param name="root">Test seam: the directory that stands for "/" (a fake /proc and /sys tree).</param>
internal sealed class MemoryLimitReader(string root = "/")
{
    public MemoryLimit Read()
    {
        var machine = MemTotal();
        var best = machine is { } total ? new MemoryLimit(total, MemoryLimit.MachineSource) : null;
        foreach (var candidate in CgroupLimits())
        {
            if (best is null || candidate.Bytes < best.Bytes) best = candidate;
        }
        // Without /proc (not Linux) there is nothing to go by; the budget then admits everything it is told to.
        return best ?? new MemoryLimit(long.MaxValue, "unknown (no /proc/meminfo)");
    }

    private IEnumerable<MemoryLimit> CgroupLimits()
    {
        var cgroups = ReadLines("proc/self/cgroup");
        var mounts = ReadLines("proc/self/mountinfo").Select(CgroupMount.Parse).OfType<CgroupMount>().ToList();
        foreach (var line in cgroups)
        {
            // hierarchy-id:controllers:path; v2 is "0::/path", v1 memory is "N:memory:/path" (controllers may be combined).
            var parts = line.Split(':', 3);
            if (parts.Length != 3) continue;
            var v2 = parts[0] == "0" && parts[1].Length == 0;
            var v1 = parts[1].Split(',').Contains("memory");
            if (!v2 && !v1) continue;
            var mount = mounts.FirstOrDefault(m => v2 ? m.IsV2 : m.HasMemoryController);
            if (mount is null) continue;
            var file = v2 ? "memory.max" : "memory.limit_in_bytes";
            if (Tightest(mount, parts[2], file) is { } limit)
                yield return new MemoryLimit(limit.Bytes, $"cgroup {(v2 ? "v2" : "v1")} {limit.Path}")
                {
                    OomEventsPath = Path.Join(Path.GetDirectoryName(limit.Path), v2 ? "memory.events" : "memory.oom_control"),
                };
        }
    }

    /// <summary>The smallest limit from the cgroup's own directory up to the mount point; a parent's limit binds its children.</summary>
    private (long Bytes, string Path)? Tightest(CgroupMount mount, string cgroupPath, string file)
    {
        // Inside a cgroup namespace the mount's root is the process's own cgroup, so the path is relative to it.
        var relative = cgroupPath.StartsWith(mount.Root, StringComparison.Ordinal) ? cgroupPath[mount.Root.Length..] : cgroupPath;
        var dir = Path.Join(mount.Point, relative.TrimStart('/'));
        (long, string)? best = null;
        while (true)
        {
            var path = Path.Join(dir, file);
            if (ReadLimit(path) is { } bytes && (best is null || bytes < best.Value.Item1)) best = (bytes, path);
            if (string.Equals(dir.TrimEnd('/'), mount.Point.TrimEnd('/'), StringComparison.Ordinal)) break;
            var parent = Path.GetDirectoryName(dir.TrimEnd('/'));
            if (parent is null || parent.Length < mount.Point.TrimEnd('/').Length) break;
            dir = parent;
        }
        return best;
    }

    /// <summary>"max" and v1's "no limit" (PAGE_COUNTER_MAX rounded to pages, about 2^63) are no limit.</summary>
    private long? ReadLimit(string path)
    {
        var text = ReadText(path)?.Trim();
        if (text is null or "max") return null;
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var bytes) && bytes > 0 && bytes < 1L << 60 ? bytes : null;
    }

    private long? MemTotal()
    {
        foreach (var line in ReadLines("proc/meminfo"))
        {
            if (!line.StartsWith("MemTotal:", StringComparison.Ordinal)) continue;
            return Kilobytes.Parse(line["MemTotal:".Length..]) * 1024;
        }
        return null;
    }

    private string At(string path) => Path.Join(root, path.TrimStart('/'));

    private string? ReadText(string path)
    {
        try { return File.ReadAllText(At(path)); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    private string[] ReadLines(string path) => ReadText(path)?.Split('\n', StringSplitOptions.RemoveEmptyEntries) ?? [];

    /// <summary>One cgroup line of /proc/self/mountinfo: where the hierarchy is mounted and which part of it.</summary>
    private sealed record CgroupMount(string Root, string Point, bool IsV2, bool HasMemoryController)
    {
        // "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory"
        public static CgroupMount? Parse(string line)
        {
            var fields = line.Split(' ');
            var dash = Array.IndexOf(fields, "-");
            if (dash < 5 || dash + 3 >= fields.Length) return null;
            var type = fields[dash + 1];
            if (type is not ("cgroup" or "cgroup2")) return null;
            var options = fields[dash + 3].Split(',');
            return new CgroupMount(fields[3], fields[4], type == "cgroup2", options.Contains("memory"));
        }
    }
}
