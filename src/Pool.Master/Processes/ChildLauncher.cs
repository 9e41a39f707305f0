using System.ComponentModel;
using System.Diagnostics;

namespace Pool.Master.Processes;

/// <summary>
/// Starts a worker in its own session and process group without giving up System.Diagnostics.Process
/// as the only reaper. The runtime forks, the fork child execs /usr/bin/setsid, and setsid (not a
/// group leader, since it inherited the master's group) calls setsid() and execs the worker in
/// place. So Process.Id is the worker's own pid, its pgid equals its pid, and the runtime reaps it
/// (and, when the master is PID 1, every orphan too). Nothing in the master may call wait() itself.
///
/// A signal ignored in the master stays ignored through fork and exec (the runtime's fork child
/// keeps SIG_IGN too), and a shell starts a script's background jobs with INT and QUIT ignored
/// (nohup: HUP). So, where env(1) has --default-signal (coreutils 8.31 and later), env runs first,
/// resets the signals Pool's contract sends to a worker, and execs setsid: same pid, same chain.
/// That holds whatever the master's own dispositions are (see Pool.Shared/Signals/InheritedIgnores), and it
/// happens in the child after fork, where nothing else runs, so it races nothing in the runtime.
/// </summary>
internal static class ChildLauncher
{
    public const string SetsidPath = "/usr/bin/setsid";
    public const string EnvPath = "/usr/bin/env";

    /// <summary>The signals a worker must be able to receive: the relayed ones, TERM's INT form and HUP.</summary>
    internal const string DefaultSignals = "--default-signal=HUP,INT,QUIT,TERM,USR1,USR2,CONT";

    private static readonly Lazy<bool> s_resetsSignals = new(ProbeDefaultSignal);

    public static bool IsAvailable => File.Exists(SetsidPath);

    /// <summary>Whether workers start through env --default-signal; probed once, by running that very chain.</summary>
    public static bool ResetsSignals => s_resetsSignals.Value;

    /// <summary>
    /// Starts argv with the given environment overlaid on the master's. <paramref name="onExited"/>
    /// is wired before Start so an exit that happens at once is never missed; it runs on a pool thread.
    /// </summary>
    /// <param name="pipeStdin">A pipe as the child's stdin (a standby's, see StandbyPromotion); the runtime opens it close-on-exec, so no other child holds its end.</param>
    public static Process Start(IReadOnlyList<string> argv, IReadOnlyDictionary<string, string> environment, EventHandler onExited, bool pipeStdin = false)
    {
        var psi = new ProcessStartInfo(ResetsSignals ? EnvPath : SetsidPath) { UseShellExecute = false, RedirectStandardInput = pipeStdin };
        if (ResetsSignals)
        {
            psi.ArgumentList.Add(DefaultSignals);
            psi.ArgumentList.Add(SetsidPath);
        }
        // "--" so a worker command that begins with '-' is never read as a setsid option.
        psi.ArgumentList.Add("--");
        foreach (var arg in argv) psi.ArgumentList.Add(arg);
        // Only the master makes a standby: one inherited from the master's own environment would
        // have every worker wait on stdin for a slot that never comes.
        psi.Environment.Remove(Pool.Settings.PoolVariables.Standby);
        psi.Environment.Remove(Pool.Settings.PoolVariables.Paused);
        foreach (var (name, value) in environment) psi.Environment[name] = value;

        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        process.Exited += onExited;
        try
        {
            process.Start();
        }
        catch
        {
            process.Dispose();
            throw;
        }
        // The score outlives the exec of env and setsid: it is the process's, and the pid stays.
        OomPriority.Prefer(process.Id);
        return process;
    }

    /// <summary>env without the option (busybox, older coreutils) exits non-zero; then workers start through setsid alone.</summary>
    private static bool ProbeDefaultSignal()
    {
        if (!File.Exists(EnvPath)) return false;
        var psi = new ProcessStartInfo(EnvPath) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { DefaultSignals, SetsidPath, "--version" }) psi.ArgumentList.Add(arg);
        try
        {
            using var probe = Process.Start(psi);
            if (probe is null) return false;
            // The output is one short line; it fits the pipe, so waiting first cannot deadlock.
            if (!probe.WaitForExit(TimeSpan.FromSeconds(5)))
            {
                probe.Kill();
                return false;
            }
            return probe.ExitCode == 0;
        }
        catch (Win32Exception)
        {
            return false;
        }
    }
}
