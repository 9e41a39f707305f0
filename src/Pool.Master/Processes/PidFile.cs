using System.Globalization;
using System.Text;
using Mono.Unix;
using Mono.Unix.Native;

namespace Pool.Master.Processes;

/// <summary>
/// The master's pidfile, claimed atomically. Checking for a live pid and then writing our own is a
/// race: two masters started at the same instant both see no live pid and both run. So the claim
/// is a POSIX record lock (lockf, F_TLOCK) on the pidfile itself, held from the claim until the
/// master exits; the kernel drops it when the master dies, even by SIGKILL, so a stale file is
/// simply locked again. Record locks, not flock: .NET's own FileStream takes flock locks, and a
/// reader such as `File.ReadAllText` must not fail on our file.
///
/// Rules that keep the lock ours: the file is only ever touched through <see cref="_fd"/> (a
/// process loses its record lock when it closes ANY descriptor of the file), and after locking we
/// check that the path still names the locked inode, since the master before us may have removed
/// its file between our open and our lock.
/// </summary>
internal sealed class PidFile : IDisposable
{
    private readonly int _fd;

    public string Path { get; }

    private PidFile(string path, int fd)
    {
        Path = path;
        _fd = fd;
    }

    /// <summary>Claims the file. On refusal returns null and a one-line reason that names the file.</summary>
    /// <exception cref="IOException">The file cannot be opened or written.</exception>
    public static PidFile? TryClaim(string path, int ownPid, out string? error)
    {
        var full = System.IO.Path.GetFullPath(path);
        // A few tries: each retry means another master removed the file under us, which ends quickly.
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var fd = Syscall.open(full, OpenFlags.O_RDWR | OpenFlags.O_CREAT | OpenFlags.O_CLOEXEC,
                FilePermissions.S_IRUSR | FilePermissions.S_IWUSR | FilePermissions.S_IRGRP | FilePermissions.S_IROTH);
            if (fd < 0) throw new IOException(Stdlib.strerror(Stdlib.GetLastError()));
            if (Syscall.lockf(fd, LockfCommand.F_TLOCK, 0) != 0)
            {
                var holder = ReadPid(full);
                Syscall.close(fd);
                error = $"pidfile {full} is locked by another pool-master (pid {holder?.ToString(CultureInfo.InvariantCulture) ?? "unknown"}): is another pool-master running? Stop it, or pass another --pidfile";
                return null;
            }
            if (!StillNamedBy(fd, full))
            {
                Syscall.close(fd);
                continue;
            }
            using var stream = new UnixStream(fd, ownsHandle: false);
            // Under the lock: a live pid written by something that does not lock (an older Pool) still counts.
            if (Parse(ReadAll(stream)) is { } other && other != ownPid && ProcessSignals.Exists(other))
            {
                Syscall.close(fd);
                error = $"pidfile {full} names pid {other}, which is alive: is another pool-master running? Stop it, or remove the file if that pid is not a pool-master";
                return null;
            }
            stream.SetLength(0);
            stream.Seek(0, SeekOrigin.Begin);
            stream.Write(Encoding.ASCII.GetBytes(ownPid.ToString(CultureInfo.InvariantCulture) + "\n"));
            stream.Flush();
            error = null;
            return new PidFile(full, fd);
        }
        throw new IOException($"pidfile {full} kept being replaced while it was claimed");
    }

    /// <summary>The pid in a pidfile, read by path; for other processes (and tests), never by the holder.</summary>
    public static int? ReadPid(string path)
    {
        try
        {
            return Parse(File.ReadAllText(path));
        }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }
    }

    private static int? Parse(string text) =>
        int.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid) && pid > 0 ? pid : null;

    private static string ReadAll(Stream stream)
    {
        var buffer = new byte[64];
        var length = stream.Read(buffer, 0, buffer.Length);
        return Encoding.ASCII.GetString(buffer, 0, Math.Max(0, length));
    }

    private static bool StillNamedBy(int fd, string path) =>
        Syscall.fstat(fd, out var held) == 0 && Syscall.stat(path, out var named) == 0
        && held.st_dev == named.st_dev && held.st_ino == named.st_ino;

    public void Dispose()
    {
        // Remove it while still holding the lock, so nobody can claim it between the two.
        if (StillNamedBy(_fd, Path)) Syscall.unlink(Path);
        Syscall.close(_fd);
    }
}
