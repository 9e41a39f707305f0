using Xunit;

namespace Pool.Testing;

/// <summary>
/// A memory cgroup of the test's own, with a hard limit, for running a master under a real memory
/// limit: cgroup v1's memory controller where it is mounted (this Firecracker VM), else cgroup v2
/// where the memory controller is delegated to the test's cgroup. Processes enter it through
/// <see cref="Wrap"/> (a shell writes its pid to cgroup.procs, then execs), so the master reads
/// its limit from its very first instruction. Needs root or a delegated cgroup; where neither
/// works, <see cref="TryCreate"/> says why, and the test skips with that message.
/// </summary>
public sealed class MemoryCgroup : IDisposable
{
    private MemoryCgroup(string dir, string version)
    {
        Dir = dir;
        Version = version;
    }

    public string Dir { get; }
    /// <summary>"v1" or "v2", as the master's limit source names it.</summary>
    public string Version { get; }

    public static MemoryCgroup? TryCreate(long limitBytes, out string whyNot)
    {
        var name = $"pool-test-{Environment.ProcessId}-{Guid.NewGuid():N}"[..32];
        var lines = File.Exists("/proc/self/cgroup") ? File.ReadAllLines("/proc/self/cgroup") : [];
        var reasons = new List<string>();
        var v1 = lines.Select(l => l.Split(':', 3)).FirstOrDefault(p => p.Length == 3 && p[1].Split(',').Contains("memory"));
        if (v1 is not null && Directory.Exists("/sys/fs/cgroup/memory"))
        {
            if (TryMake(Path.Join("/sys/fs/cgroup/memory", v1[2], name), "memory.limit_in_bytes", limitBytes, out var why) is { } dir) { whyNot = ""; return new MemoryCgroup(dir, "v1"); }
            reasons.Add("cgroup v1: " + why);
        }
        var v2 = lines.Select(l => l.Split(':', 3)).FirstOrDefault(p => p.Length == 3 && p[0] == "0" && p[1].Length == 0);
        var mount = File.Exists("/sys/fs/cgroup/cgroup.controllers") ? "/sys/fs/cgroup" : "/sys/fs/cgroup/unified";
        if (v2 is not null && File.Exists(Path.Join(mount, "cgroup.controllers")))
        {
            if (TryMake(Path.Join(mount, v2[2], name), "memory.max", limitBytes, out var why) is { } dir) { whyNot = ""; return new MemoryCgroup(dir, "v2"); }
            reasons.Add("cgroup v2: " + why);
        }
        whyNot = reasons.Count > 0 ? string.Join("; ", reasons) : "no cgroup v1 memory controller and no cgroup v2 hierarchy mounted";
        return null;
    }

    private static string? TryMake(string dir, string limitFile, long bytes, out string why)
    {
        try
        {
            Directory.CreateDirectory(dir);
            var file = Path.Join(dir, limitFile);
            if (!File.Exists(file))
            {
                Directory.Delete(dir);
                why = $"{limitFile} missing in {dir} (memory controller not delegated here)";
                return null;
            }
            File.WriteAllText(file, bytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
            why = "";
            return dir;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try { if (Directory.Exists(dir)) Directory.Delete(dir); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            why = $"cannot create {dir}: {e.Message}";
            return null;
        }
    }

    /// <summary>The argv that starts <paramref name="exe"/> inside this cgroup: "sh -c 'echo $$ > cgroup.procs; exec ...'".</summary>
    public (string Exe, string[] Args) Wrap(string exe, params string[] args) =>
        ("sh", ["-c", $"echo $$ > '{Dir}/cgroup.procs' && exec \"$@\"", "sh", exe, .. args]);

    /// <summary>Removes the cgroup once its processes are gone (the caller killed them); a few tries, as the kernel frees it lazily.</summary>
    public void Dispose()
    {
        for (var i = 0; i < 50; i++)
        {
            try
            {
                Directory.Delete(Dir);
                return;
            }
            catch (IOException) when (i < 49)
            {
                Thread.Sleep(100);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or DirectoryNotFoundException)
            {
                return;
            }
        }
    }
}

/// <summary>A fact that runs only where the test can create a memory cgroup with a limit, and otherwise is skipped saying why.</summary>
public sealed class MemoryCgroupFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> WhyNot = new(() =>
    {
        using var probe = MemoryCgroup.TryCreate(64L * 1024 * 1024, out var why);
        return probe is null ? why : null;
    });

    public MemoryCgroupFactAttribute()
    {
        if (WhyNot.Value is { } why) Skip = "this machine gives the test no way to set a memory limit: " + why;
    }
}
