using System.Diagnostics;
using Mono.Unix.Native;
using Pool.Processes;

namespace Pool.Master.Processes;

/// <summary>The real processes: setsid children, kill(2), /proc.</summary>
internal sealed class OsWorkerProcesses : IWorkerProcesses
{
    public static readonly OsWorkerProcesses Instance = new();

    private OsWorkerProcesses() { }

    public IWorkerProcess Start(IReadOnlyList<string> argv, IReadOnlyDictionary<string, string> environment, Action<IWorkerProcess> onExited, bool standby = false)
    {
        // The exit handler is wired before the start, so it may run before Start returns: it gets
        // the same wrapper, which is complete by the time anyone reads it (the supervisor handles
        // the exit on its loop, after the spawn that started it).
        var started = new OsWorkerProcess();
        started.Attach(ChildLauncher.Start(argv, environment, (_, _) => onExited(started), pipeStdin: standby));
        return started;
    }

    public bool Send(int pid, Signum signal) => ProcessSignals.Send(pid, signal);

    public bool KillGroup(int pgid) => ProcessSignals.KillGroup(pgid);

    public IReadOnlyList<int> GroupMembers(int pgid) => ProcessGroup.Members(pgid);

    public double? ResidentMb(int pid) => ProcStatus.ResidentMb(pid);

    public bool Catches(int pid, Signum signal) =>
        ProcStatus.SignalMask(pid, "SigCgt") is not { } caught || (caught & (1UL << ((int)signal - 1))) != 0;

    private sealed class OsWorkerProcess : IWorkerProcess
    {
        private Process? _process;

        public void Attach(Process process) => _process = process;

        private Process Process => _process ?? throw new InvalidOperationException("the process has not started");
        public int Pid => Process.Id;
        public int ExitCode => Process.ExitCode;
        public void Dispose() => Process.Dispose();

        public bool Promote(int slot)
        {
            // A stopped standby (SIGSTOP) would take the slot and hold it out of service until CONT.
            if (!Process.StartInfo.RedirectStandardInput || ProcStatus.IsStopped(Pid)) return false;
            try
            {
                // One short line fits the pipe's buffer: the write never waits for the worker.
                var input = Process.StandardInput;
                input.Write(Pool.Settings.StandbyPromotion.Line(slot) + "\n");
                input.Flush();
                input.Close();
                return true;
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
            {
                // EPIPE: the standby died a moment ago; its exit is on its way to the loop.
                return false;
            }
        }
    }
}
