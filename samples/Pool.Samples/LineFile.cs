using System.Text;
using Mono.Unix.Native;

namespace Pool.Samples;

/// <summary>
/// Appends one line with a single write(2) on an O_APPEND descriptor, so lines from workers
/// running at the same time never interleave or overwrite each other.
/// </summary>
internal static class LineFile
{
    public static void Append(string path, string line)
    {
        var bytes = Encoding.UTF8.GetBytes(line + "\n");
        var fd = Syscall.open(path, OpenFlags.O_WRONLY | OpenFlags.O_APPEND | OpenFlags.O_CREAT,
            FilePermissions.S_IRUSR | FilePermissions.S_IWUSR | FilePermissions.S_IRGRP | FilePermissions.S_IROTH);
        if (fd < 0) throw new IOException($"cannot open {path}: {Stdlib.GetLastError()}");
        try
        {
            unsafe
            {
                fixed (byte* p = bytes)
                {
                    if (Syscall.write(fd, p, (ulong)bytes.Length) != bytes.Length)
                        throw new IOException($"cannot append to {path}: {Stdlib.GetLastError()}");
                }
            }
        }
        finally
        {
            Syscall.close(fd);
        }
    }
}
