using Mono.Unix.Native;

namespace Pool.Master.Config;

/// <summary>
/// Refuses workers that could only fail, before any is started: `check`, the start and every
/// HUP run this on the commands they would spawn.
/// - A program that is not there (a typo in a group's `command:` or in --worker-command): each
///   worker exited 127 at once, and a HUP to such a file had already retired the old workers,
///   leaving the group with none, crash-looping.
/// - pool-worker with no job classes: it finds them only in `--jobs` or POOL_JOBS. Without
///   either it warned once in its own log and moved every queued job to the failed list as
///   unknown (`worker: pool-master` on Heroku with the variable forgotten drained every queue
///   into `resque:failed`); a path that does not exist made every worker exit at start.
/// Groups of no workers are not judged.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal static class WorkerCommandCheck
{
    public const string JobsVariable = "POOL_JOBS";

    /// <exception cref="ConfigException">A group's own command cannot run, or a group would run pool-worker without job classes.</exception>
    /// <exception cref="FormatException">The master's worker command cannot run, or POOL_JOBS names a file that is not there.</exception>
    public static void Require(PoolConfig config, IReadOnlyList<string> workerCommand, IReadOnlyDictionary<string, string?> env, string workingDirectory)
    {
        RequireStandbyWorkers(config, workerCommand);
        var jobs = Pool.Settings.PoolVariables.JobPaths(SettingsResolver.Get(env, JobsVariable));
        var searchPath = SettingsResolver.Get(env, "PATH") ?? "/usr/local/bin:/usr/bin:/bin";
        // POOL_JOBS is looked at once, not once per group.
        var jobsJudged = false;
        foreach (var (argv, group, own) in Commands(config, workerCommand))
        {
            Exception Problem(string problem) => CommandProblem(config, group, own, problem);
            if (!CanRun(argv[0], searchPath, workingDirectory))
                throw Problem($"program '{argv[0]}' is not an executable file here, nor on PATH; fix the path or install it");
            if (!IsPoolWorker(argv)) continue;
            // The master reads the worker's lanes from its --concurrency (GroupConcurrency); a
            // response file hid it, and the jobs of lanes it did not know about ran twice after a stall.
            if (argv.Skip(1).FirstOrDefault(a => a.StartsWith('@')) is { } file)
                throw Problem($"'{file}' has pool-worker read options from a file, which the master cannot see (it counts a worker's jobs at once from --concurrency); write the options in the command");
            // --jobs in the command wins over POOL_JOBS, as in pool-worker itself.
            var given = JobsOption(argv);
            if (given is not null)
            {
                if (given.Count == 0) throw Problem("--jobs names no assembly; give the path of your job assembly after it");
                if (AssemblyProblem(given, workingDirectory) is { } bad) throw Problem("--jobs " + bad);
                continue;
            }
            if (jobsJudged) continue;
            jobsJudged = true;
            if (jobs.Count == 0)
                throw group.Where(config.SourcePath).Error(
                    $"its workers run pool-worker, which would load no job classes and fail every job as unknown: set {JobsVariable}=/path/to/YourJobs.dll (several: comma-separated), or give the group a command: of its own");
            if (AssemblyProblem(jobs, workingDirectory) is { } missing) throw new FormatException(JobsVariable + " " + missing);
        }
    }

    /// <summary>
    /// Each distinct command that the groups running workers would start, with the first group
    /// that runs it and whether that group has a command of its own (else it is the master's
    /// --worker-command). Start and every HUP judge these: a command several groups share (the
    /// master's, above all) is looked at once, not once per group.
    /// </summary>
    internal static IEnumerable<(IReadOnlyList<string> Argv, WorkerGroup Group, bool Own)> Commands(PoolConfig config, IReadOnlyList<string> workerCommand)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var group in config.Groups.Where(RunsWorkers))
        {
            var own = group.Command is not null;
            var argv = group.Argv(workerCommand);
            if (seen.Add(string.Join('\0', argv))) yield return (argv, group, own);
        }
    }

    /// <summary>The groups running workers that start <paramref name="argv"/>, by their queue lists.</summary>
    internal static IReadOnlyList<string> GroupsRunning(PoolConfig config, IReadOnlyList<string> workerCommand, IReadOnlyList<string> argv) =>
        [.. config.Groups.Where(g => RunsWorkers(g) && g.Argv(workerCommand).SequenceEqual(argv, StringComparer.Ordinal)).Select(g => g.QueueList)];

    /// <summary>
    /// `standby` needs pool-worker: only it waits for its slot before it registers. Any other
    /// command (a `rake resque:work`, a worker app of its own) would register at once and take
    /// jobs as one worker more than the group's count.
    /// </summary>
    private static void RequireStandbyWorkers(PoolConfig config, IReadOnlyList<string> workerCommand)
    {
        foreach (var group in config.Groups.Where(g => g.Standby > 0))
        {
            var argv = group.Argv(workerCommand);
            if (argv.Count > 0 && !IsPoolWorker(argv))
                throw group.Where(config.SourcePath, GroupOptions.Standby).Error(
                    $"standby needs pool-worker, which waits for its slot before it registers; this group runs '{Path.GetFileName(argv[0])}', whose standby would take jobs at once as one worker too many: remove standby, or run pool-worker");
        }
    }

    /// <summary>A problem of a command: the line of the group's `command:` key, or the master's worker command.</summary>
    internal static Exception CommandProblem(PoolConfig config, WorkerGroup group, bool own, string problem) => own
        ? group.Where(config.SourcePath, GroupOptions.Command).Error(problem)
        : new FormatException($"the worker command (--worker-command or POOL_WORKER_COMMAND): {problem}");

    /// <summary>Whether argv runs pool-worker itself, which takes --jobs and POOL_JOBS and answers --check.</summary>
    internal static bool IsPoolWorker(IReadOnlyList<string> argv) => Path.GetFileName(argv[0]) == "pool-worker";

    /// <summary>The paths after --jobs (pool-worker takes several per flag, and --jobs=PATH); null when the flag is absent.</summary>
    internal static List<string>? JobsOption(IReadOnlyList<string> argv)
    {
        var jobs = Options(argv).Where(o => o.Name == "--jobs").ToList();
        return jobs.Count == 0 ? null : jobs.SelectMany(o => o.Values).Where(p => p.Length > 0).ToList();
    }

    /// <summary>
    /// Whether argv gives pool-worker more than --jobs (whose files are judged here) and
    /// --procline (text for ps, never wrong): `--concurrency 0` or a bad `--redis` only
    /// pool-worker itself can judge (<see cref="JobLoadCheck"/>), and a worker would exit at start
    /// on it, crash-looping.
    /// </summary>
    internal static bool HasOptionsOfItsOwn(IReadOnlyList<string> argv) =>
        Options(argv).Any(o => o.Name is not ("--jobs" or "--procline"));

    /// <summary>argv's options after the program as pool-worker reads them: each --name (or --name=value, --name:value) with the words after it, up to the next option.</summary>
    internal static IEnumerable<(string Name, List<string> Values)> Options(IReadOnlyList<string> argv)
    {
        for (var i = 1; i < argv.Count; i++)
        {
            var equals = argv[i].StartsWith("--", StringComparison.Ordinal) ? argv[i].IndexOfAny(['=', ':']) : -1;
            var (name, values) = equals > 0 ? (argv[i][..equals], new List<string> { argv[i][(equals + 1)..] }) : (argv[i], []);
            while (i + 1 < argv.Count && !argv[i + 1].StartsWith('-')) values.Add(argv[++i]);
            yield return (name, values);
        }
    }

    /// <summary>What is wrong with the first job assembly that pool-worker could not load ("names 'x', which ..."); null when all can be.</summary>
    private static string? AssemblyProblem(IEnumerable<string> paths, string workingDirectory)
    {
        foreach (var path in paths)
        {
            var full = Path.Combine(workingDirectory, path);
            if (Directory.Exists(full)) return $"names '{path}', which is a directory; name the job assembly (.dll) in it";
            if (!File.Exists(full)) return $"names '{path}', which does not exist (a relative path starts from {workingDirectory}); fix the path or publish the job assembly there";
            try
            {
                _ = System.Reflection.AssemblyName.GetAssemblyName(full);
            }
            catch (Exception e) when (e is BadImageFormatException or IOException or UnauthorizedAccessException)
            {
                return $"names '{path}', which is not a .NET assembly pool-worker can load ({e.GetType().Name}); name your job assembly (.dll)";
            }
        }
        return null;
    }

    private static bool RunsWorkers(WorkerGroup group) => group.Count > 0 || group.AutoCount || group.Scaling is not null;

    /// <summary>As execvp finds a program: a name with a slash is a path, any other is looked up on PATH.</summary>
    internal static bool CanRun(string program, string searchPath, string workingDirectory)
    {
        if (program.Contains('/')) return IsExecutableFile(Path.Combine(workingDirectory, program));
        return searchPath.Split(':').Any(dir => IsExecutableFile(Path.Combine(dir.Length == 0 ? workingDirectory : dir, program)));
    }

    private static bool IsExecutableFile(string path) => File.Exists(path) && Syscall.access(path, AccessModes.X_OK) == 0;
}
