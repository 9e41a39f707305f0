using Mono.Unix.Native;

namespace Pool.Master.Processes;

/// <summary>
/// The operating system as the supervisor uses it: start a worker in its own process group,
/// signal it, clean up its group, read its memory. <see cref="OsWorkerProcesses"/> is the real
/// one; in-process tests put a fake behind it to reach, with a fake clock, the edge cases that
/// are slow or racy with real signals.
/// </summary>
internal interface IWorkerProcesses
{
    /// <summary>Starts argv as the leader of a new process group; <paramref name="onExited"/> runs on another thread once the process was reaped.</summary>
    /// <param name="standby">Give it a pipe as stdin, for <see cref="IWorkerProcess.Promote"/>; otherwise it inherits the master's.</param>
    IWorkerProcess Start(IReadOnlyList<string> argv, IReadOnlyDictionary<string, string> environment, Action<IWorkerProcess> onExited, bool standby = false);

    bool Send(int pid, Signum signal);

    /// <summary>SIGKILL to every process of the group; false when none was left.</summary>
    bool KillGroup(int pgid);

    /// <summary>The processes of the group other than its leader.</summary>
    IReadOnlyList<int> GroupMembers(int pgid);

    double? ResidentMb(int pid);

    /// <summary>Whether the process has a handler for the signal yet; true when that cannot be known (no /proc).</summary>
    bool Catches(int pid, Signum signal);
}

/// <summary>A started worker process, reaped by whoever started it.</summary>
internal interface IWorkerProcess : IDisposable
{
    int Pid { get; }

    /// <summary>Valid once the exit callback ran.</summary>
    int ExitCode { get; }

    /// <summary>
    /// A standby's slot, written to its stdin ("slot N"), which then closes. False when it cannot
    /// be told (it has just died, is stopped by SIGSTOP, or was not started as a standby): its slot is filled another way.
    /// </summary>
    bool Promote(int slot);
}
