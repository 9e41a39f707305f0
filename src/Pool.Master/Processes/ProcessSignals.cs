using Mono.Unix.Native;

namespace Pool.Master.Processes;

/// <summary>
/// Best-effort kill(2) wrappers: they return false instead of throwing, because the target may
/// have died a moment ago and that is not an error for a supervisor.
/// </summary>
internal static class ProcessSignals
{
    public static bool Send(int pid, Signum signal) => pid > 0 && Syscall.kill(pid, signal) == 0;

    /// <summary>SIGKILL to the whole process group, so a job's own subprocesses die with the worker.</summary>
    public static bool KillGroup(int pgid) => pgid > 1 && Syscall.kill(-pgid, Signum.SIGKILL) == 0;

    /// <summary>True when a process with this pid exists (kill(pid, 0)); EPERM means it exists but is not ours.</summary>
    public static bool Exists(int pid)
    {
        if (pid <= 0) return false;
        if (Syscall.kill(pid, 0) == 0) return true;
        return Stdlib.GetLastError() == Errno.EPERM;
    }
}
