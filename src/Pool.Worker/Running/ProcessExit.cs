using System.Runtime.InteropServices;
using Mono.Unix.Native;

namespace Pool.Worker.Running;

/// <summary>
/// Learns that another process exited without polling: a pidfd (pidfd_open, Linux 5.3 and
/// later) turns readable when its process exits, and one thread sleeps in poll() on it until
/// then. Nothing wakes while the process lives, where a timer woke this worker 4 times a second
/// (and a pool thread after it) to compare getppid() with the master's pid.
/// </summary>
internal static class ProcessExit
{
    // The same number on every Linux architecture (it postdates the split tables).
    private const long PidfdOpen = 434;

    /// <summary>
    /// A task that completes when <paramref name="pid"/> exits, or null where no pidfd can be had
    /// (an older kernel, a seccomp filter that refuses it, no such process): then the caller polls.
    /// </summary>
    public static Task? WhenExited(int pid)
    {
        int fd;
        try
        {
            fd = (int)syscall(PidfdOpen, pid, 0);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return null;
        }
        if (fd < 0) return null;
        var exited = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                var fds = new[] { new Pollfd { fd = fd, events = PollEvents.POLLIN } };
                while (Syscall.poll(fds, -1) < 0 && Stdlib.GetLastError() == Errno.EINTR)
                {
                }
            }
            finally
            {
                Syscall.close(fd);
                exited.TrySetResult();
            }
        })
        { IsBackground = true, Name = "pool-process-exit" };
        thread.Start();
        return exited.Task;
    }

    // DllImport, not LibraryImport: that one needs unsafe code enabled, for one call with plain
    // integers that needs no marshalling.
    [DllImport("libc", SetLastError = true)]
    private static extern long syscall(long number, int pid, uint flags);
}
