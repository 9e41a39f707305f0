using System.Globalization;

namespace Pool.Master.Capacity;

/// <summary>
/// How many processes the kernel's OOM killer has killed in the cgroup whose limit the pool
/// runs under: the "oom_kill N" line of memory.events (cgroup v2, counted over the subtree) or
/// memory.oom_control (cgroup v1). The budget is the master's own estimate; a rise of this
/// counter is the kernel saying the estimate was too high, which the master then believes.
/// </summary>
/// <param name="path">The file, as the kernel lays it out ("/sys/fs/cgroup/app.slice/memory.events").</param>
/// <param name="root">Test seam: the directory that stands for "/".</param>
internal sealed class OomKillCounter(string path, string root = "/")
{
    public string Path { get; } = path;

    /// <summary>The count now, or null when the file cannot be read or has no oom_kill line (a kernel before 4.13).</summary>
    public long? Read()
    {
        string text;
        try { text = File.ReadAllText(System.IO.Path.Join(root, Path.TrimStart('/'))); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
        foreach (var line in text.Split('\n'))
        {
            if (!line.StartsWith("oom_kill ", StringComparison.Ordinal)) continue;
            return long.TryParse(line.AsSpan("oom_kill ".Length).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var count) ? count : null;
        }
        return null;
    }
}
