namespace Pool.Master.Config;

/// <summary>One line of pool.yml after interpolation, merging and validation: a queue list and its workers.</summary>
/// <param name="Key">The key as written in pool.yml, e.g. "bar,baz" or "*".</param>
/// <param name="Queues">The queues in priority order; "*" stays "*" (every queue, alphabetically).</param>
/// <param name="Count">Worker processes for this group; 0 is allowed and means none.</param>
/// <param name="TermTimeout">This group's own kill deadline; null means the master's --term-timeout.</param>
/// <param name="MemoryLimitMb">Recycle a worker gently once its RSS goes over this.</param>
/// <param name="MaxJobs">Recycle a worker after this many jobs (Celery's max_tasks_per_child).</param>
/// <param name="Command">This group's own worker command; null means the master's --worker-command.</param>
/// <param name="Line">Line in the file where the group was defined (1-based), for messages.</param>
/// <param name="JobTimeout">Soft time limit of each job, passed to workers as POOL_JOB_TIMEOUT (hard = soft + 5 s).</param>
public sealed record WorkerGroup(
    string Key,
    IReadOnlyList<string> Queues,
    int Count,
    TimeSpan? TermTimeout = null,
    int? MemoryLimitMb = null,
    int? MaxJobs = null,
    string? Command = null,
    int Line = 0,
    TimeSpan? JobTimeout = null)
{
    /// <summary>Jobs each worker process runs at once (<see cref="GroupConcurrency"/>).</summary>
    public int Concurrency { get; init; } = 1;
    /// <summary>Set for `count: MIN..MAX`: the group is autoscaled, and <see cref="Count"/> is its MIN.</summary>
    public ScalingRule? Scaling { get; init; }

    /// <summary>Set for `count: auto`: <see cref="Count"/> is what the memory budget holds, once Capacity.CapacityPlan resolved it (0 before).</summary>
    public bool AutoCount { get; init; }
    /// <summary>The group's `retries` and `retry_delays` (Config/GroupRetries.cs); null: the workers' default.</summary>
    public GroupRetries? Retries { get; init; }

    /// <summary>
    /// `standby: N`: started, connected workers kept beside the group's, each waiting to take the
    /// slot of a worker that dies, so the slot is back in service without a process start.
    /// </summary>
    public int Standby { get; init; }

    /// <summary>The argv its workers start with: its own `command:`, split as a shell would, else the master's worker command.</summary>
    internal IReadOnlyList<string> Argv(IReadOnlyList<string> workerCommand) => Command is { } own ? BareWorkerBesideMaster(ShellWords.Split(own)) : workerCommand;

    /// <summary>
    /// A command that starts a bare `pool-worker` (a name, no path) runs the one on PATH, as
    /// execvp would, or else the one beside pool-master, as the default worker command does: a
    /// group's `command: "pool-worker --concurrency 4"` then works from an unpacked release or
    /// artifacts/bin, where pool-worker is on no PATH.
    /// </summary>
    private static IReadOnlyList<string> BareWorkerBesideMaster(IReadOnlyList<string> argv)
    {
        if (argv.Count == 0 || argv[0] != "pool-worker") return argv;
        var beside = SettingsResolver.WorkerBesideMaster;
        var found = WorkerCommandCheck.CanRun(argv[0], Environment.GetEnvironmentVariable("PATH") ?? "", Environment.CurrentDirectory);
        return found || !File.Exists(beside) ? argv : [beside, .. argv.Skip(1)];
    }

    /// <summary>The QUEUES value a worker of this group gets.</summary>
    public string QueueList => string.Join(',', Queues);

    /// <summary>Where pool.yml writes the group and its options (null for a group not read from a file).</summary>
    internal GroupPlaces? Places { get; init; }

    /// <summary>
    /// Where an error about the group, or about its <paramref name="option"/>, points: the
    /// option's own line when the group writes it, else the group's line and key.
    /// </summary>
    internal ConfigPlace Where(string file, string? option = null) =>
        (option is null ? null : Places?.Option(option))
        ?? Places?.Group
        ?? new ConfigPlace(file, Line, Key);
}

/// <summary>The resolved pool: every group, in file order, after the environment section was merged in.</summary>
public sealed record PoolConfig(string SourcePath, string? Environment, IReadOnlyList<WorkerGroup> Groups)
{
    public int TotalWorkers => Groups.Sum(g => g.Count);

    /// <summary>What is valid but probably not meant (a section key that looks like a group option), one line each with file, line and key.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>The top-level memory_budget, if set.</summary>
    public MemoryBudgetSetting? MemoryBudget { get; init; }

    /// <summary>At start and after each HUP: what `check` warns about, the log says too.</summary>
    public void LogWarnings(Serilog.ILogger log)
    {
        foreach (var warning in Warnings) log.Warning("config: {Warning}", warning);
    }

    /// <summary>The top-level `schedule:` section's recurring entries (Config/ScheduleReader.cs).</summary>
    public IReadOnlyList<ScheduleEntry> Schedule { get; init; } = [];
}

/// <summary>A config problem, always with the file, and the line and key where known, and what to do.</summary>
public sealed class ConfigException(string file, int? line, string? key, string problem)
    : Exception(Format(file, line, key, problem))
{
    public string File { get; } = file;
    public int? Line { get; } = line;
    public string? Key { get; } = key;
    public string Problem { get; } = problem;

    private static string Format(string file, int? line, string? key, string problem)
    {
        var where = line is { } l ? $"{file}:{l}" : file;
        return OneLine(key is null ? $"{where}: {problem}" : $"{where}: key '{Shorten(key)}': {problem}");
    }

    /// <summary>A value quoted in a message: at most 80 characters, so an error about a huge value stays readable.</summary>
    internal static string Shorten(string? value) => value is null ? "" : value.Length <= 80 ? value : value[..80] + "...";

    /// <summary>Every config error is one line: a newline or other control character in a quoted value is shown escaped.</summary>
    private static string OneLine(string message)
    {
        if (!message.Any(char.IsControl)) return message;
        var sb = new System.Text.StringBuilder(message.Length + 16);
        foreach (var c in message)
        {
            sb.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when char.IsControl(c) => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }
        return sb.ToString();
    }
}
