using System.Globalization;

namespace Pool.Master.Processes;

/// <summary>
/// Makes each worker the kernel's OOM killer's choice before its master: the worker's
/// oom_score_adj is the master's plus <see cref="WorkerBias"/>. When a cgroup runs out anyway (a
/// job bigger than its group's estimate), a killed worker's job is put back by its master; a
/// killed master leaves its workers' jobs to the lease sweep and the pool unsupervised (a trial
/// saw the kernel pick pool-master in a 400 MB cgroup). Relative to the master's own score, since
/// Kubernetes and systemd set a container's or unit's score and an unprivileged process may raise
/// a score but not lower it below what was set for it.
/// </summary>
internal static class OomPriority
{
    public const int WorkerBias = 500;
    private const int Max = 1000;

    /// <summary>The workers' score, from the master's own, read once (a spawn pass may start hundreds); null where the kernel has none.</summary>
    private static readonly Lazy<string?> s_workerScore = new(() =>
    {
        try
        {
            var own = int.Parse(File.ReadAllText("/proc/self/oom_score_adj").Trim(), CultureInfo.InvariantCulture);
            return Math.Min(Max, own + WorkerBias).ToString(CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    });

    /// <summary>Best effort: a kernel without the file, or a refusal, changes nothing else.</summary>
    public static void Prefer(int pid)
    {
        if (s_workerScore.Value is not { } score) return;
        try
        {
            File.WriteAllText($"/proc/{pid}/oom_score_adj", score);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
