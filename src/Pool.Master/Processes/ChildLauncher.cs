using System.Diagnostics;

namespace Pool.Master.Processes;

/// <summary>
/// Starts a worker in its own session and process group without giving up System.Diagnostics.Process
/// as the only reaper. The runtime forks, the fork child execs /usr/bin/setsid, and setsid (not a
/// group leader, since it inherited the master's group) calls setsid() and execs the worker in
/// place. So Process.Id is the worker's own pid, its pgid equals its pid, and the runtime reaps it
/// (and, when the master is PID 1, every orphan too). Nothing in the master may call wait() itself.
/// </summary>
internal static class ChildLauncher
{
    public const string SetsidPath = "/usr/bin/setsid";

    public static bool IsAvailable => File.Exists(SetsidPath);

    /// <summary>
    /// Starts argv with the given environment overlaid on the master's. <paramref name="onExited"/>
    /// is wired before Start so an exit that happens at once is never missed; it runs on a pool thread.
    /// </summary>
    public static Process Start(IReadOnlyList<string> argv, IReadOnlyDictionary<string, string> environment, EventHandler onExited)
    {
        var psi = new ProcessStartInfo(SetsidPath) { UseShellExecute = false };
        // "--" so a worker command that begins with '-' is never read as a setsid option.
        psi.ArgumentList.Add("--");
        foreach (var arg in argv) psi.ArgumentList.Add(arg);
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
        return process;
    }
}
