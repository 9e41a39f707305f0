using System.Globalization;

namespace Pool.Master.Processes;

/// <summary>
/// The master's pidfile: refuse to start while it names a live process, replace a stale one,
/// and remove it on exit (only if it still names us, so a second master's file survives).
/// </summary>
internal sealed class PidFile : IDisposable
{
    private readonly int _pid;

    public string Path { get; }

    private PidFile(string path, int pid)
    {
        Path = path;
        _pid = pid;
    }

    /// <summary>Claims the file. On refusal returns null and a one-line reason that names the file.</summary>
    public static PidFile? TryClaim(string path, int ownPid, out string? error)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (ReadPid(full) is { } other && other != ownPid && ProcessSignals.Exists(other))
        {
            error = $"pidfile {full} names pid {other}, which is alive: is another pool-master running? Stop it, or remove the file if that pid is not a pool-master";
            return null;
        }

        // Write beside it and rename, so a reader never sees a half-written pid.
        var temp = full + ".tmp" + ownPid.ToString(CultureInfo.InvariantCulture);
        File.WriteAllText(temp, ownPid.ToString(CultureInfo.InvariantCulture) + "\n");
        File.Move(temp, full, overwrite: true);
        error = null;
        return new PidFile(full, ownPid);
    }

    public static int? ReadPid(string path)
    {
        try
        {
            var text = File.ReadAllText(path).Trim();
            return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid) && pid > 0 ? pid : null;
        }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }
    }

    public void Dispose()
    {
        try
        {
            if (ReadPid(Path) == _pid) File.Delete(Path);
        }
        catch (IOException)
        {
            // Best effort: a leftover file names a dead pid and counts as stale next time.
        }
    }
}
