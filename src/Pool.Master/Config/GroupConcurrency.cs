using System.Globalization;
using Pool.Protocol.Recovery;

namespace Pool.Master.Config;

/// <summary>
/// A group's <c>concurrency: N</c>: how many jobs each of its worker processes runs at once
/// (passed to the worker as POOL_CONCURRENCY, <see cref="Pool.Settings.PoolVariables.Concurrency"/>). The default, 1, is resque-pool's process per job:
/// a job that is not thread-safe, or that leaks, harms only itself. More lanes per process share
/// one runtime's memory, but share its faults too; the README weighs the two.
/// </summary>
internal static class GroupConcurrency
{
    public const string Key = "concurrency";

    public static int Read(string? text, ConfigPlace place)
    {
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= WorkerLanes.MaxConcurrency) return n;
        throw place.Error($"must be a whole number of jobs per worker process from 1 to {WorkerLanes.MaxConcurrency}, got '{ConfigException.Shorten(text)}'; write e.g. concurrency: 5 (1 keeps one job per process)");
    }

    /// <summary>
    /// Each group with the lanes its workers will really run. A worker reads `--concurrency` in its
    /// command first, then POOL_CONCURRENCY, which pool-worker inherits from the master's
    /// environment when the group sets no `concurrency:`; the master must know the same number, or it recovers
    /// and vouches for lane 0 only: the job of lane 1 of a worker killed with -9 waited for its
    /// lease (15 s), and a stopped worker's lane 1 was swept while its job still ran.
    /// </summary>
    /// <exception cref="ConfigException">The group's `concurrency:` and its command's `--concurrency` disagree.</exception>
    public static PoolConfig Resolve(PoolConfig config, IReadOnlyList<string> workerCommand, IReadOnlyDictionary<string, string?> env)
    {
        var inherited = Lanes(SettingsResolver.Get(env, Pool.Settings.PoolVariables.Concurrency)) ?? 1;
        return config with
        {
            Groups = [.. config.Groups.Select(g => g with { Concurrency = LanesOf(g, workerCommand, inherited) })],
            Warnings = [.. config.Warnings, .. config.Groups.Select(g => NotPassedOn(g, config.SourcePath, workerCommand, inherited)).OfType<string>()],
        };
    }

    /// <summary>
    /// A warning when the master's POOL_CONCURRENCY does not reach a group: its command is not
    /// pool-worker (a wrapper script that execs it, say), so the master gives it its own number,
    /// 1, which such a script's pool-worker then runs. Said once, at check, start and HUP, instead
    /// of the variable being dropped in silence.
    /// </summary>
    private static string? NotPassedOn(WorkerGroup group, string file, IReadOnlyList<string> workerCommand, int inherited)
    {
        var (set, argv) = EnvPrefix(group.Argv(workerCommand));
        if (inherited == 1 || group.Places?.Option(Key) is not null || FlagIn(argv) is not null
            || set.ContainsKey(Pool.Settings.PoolVariables.Concurrency) || WorkerCommandCheck.IsPoolWorker(argv)) return null;
        return group.Where(file).Error(
            $"POOL_CONCURRENCY={inherited} in the environment is not passed on to '{argv[0]}', which is not pool-worker: its workers get POOL_CONCURRENCY=1, " +
            $"the lanes the master recovers; if they run {inherited} jobs at once, write {Key}: {inherited} in the group").Message;
    }

    private static int LanesOf(WorkerGroup group, IReadOnlyList<string> workerCommand, int inherited)
    {
        var key = group.Places?.Option(Key);
        var (set, argv) = EnvPrefix(group.Argv(workerCommand));
        // A flag out of range is left to pool-worker's own check (JobLoadCheck), which refuses
        // it with the worker's words; nor is it judged in a command that is not pool-worker.
        // Then `env POOL_CONCURRENCY=N cmd`, which overrides the number the master passes.
        var (given, said) = Lanes(FlagIn(argv)) is { } flag ? (flag, $"--concurrency {flag}")
            : set.TryGetValue(Pool.Settings.PoolVariables.Concurrency, out var value) ? (Lanes(value) ?? 1, $"{Pool.Settings.PoolVariables.Concurrency}={value}")
            : ((int?)null, "");
        if (given is { } lanes)
        {
            if (key is not null && lanes != group.Concurrency)
                throw key.Value.Error($"is {group.Concurrency}, but the worker command says {said}, which the worker obeys: keep one of the two");
            return lanes;
        }
        // The inherited variable only for pool-worker: a Ruby worker has no lanes (the master
        // would wait at a HUP for lanes that never register), and any other command gets the
        // group's number in POOL_CONCURRENCY (ChildEnvironment), so a worker app of one's own follows it.
        return key is null && WorkerCommandCheck.IsPoolWorker(argv) ? inherited : group.Concurrency;
    }

    private static int? Lanes(string? text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= WorkerLanes.MaxConcurrency ? n : null;

    /// <summary>The value of the last `--concurrency` of argv (`--concurrency N`, `=N` or `:N`), as the worker's parser takes it; null when absent.</summary>
    private static string? FlagIn(IReadOnlyList<string> argv) =>
        WorkerCommandCheck.Options(argv).LastOrDefault(o => o.Name == "--concurrency") is { Name: not null } flag ? flag.Values.FirstOrDefault() ?? "" : null;

    /// <summary>
    /// `env [-i] [-u NAME] NAME=VALUE ... command ...` (coreutils' env): what it does to
    /// POOL_CONCURRENCY, as an assignment (an empty value for a variable it clears or unsets: the
    /// worker then runs 1 lane), and the command it runs. No variables and <paramref name="argv"/>
    /// itself for any other command, or an env with other options, which are not read here.
    /// </summary>
    internal static (IReadOnlyDictionary<string, string> Set, IReadOnlyList<string> Command) EnvPrefix(IReadOnlyList<string> argv)
    {
        var none = (new Dictionary<string, string>(), argv);
        if (argv.Count == 0 || Path.GetFileName(argv[0]) != "env") return none;
        var set = new Dictionary<string, string>(StringComparer.Ordinal);
        var concurrency = Pool.Settings.PoolVariables.Concurrency;
        var i = 1;
        for (; i < argv.Count; i++)
        {
            var arg = argv[i];
            if (arg is "-i" or "-" or "--ignore-environment") set[concurrency] = "";
            else if (arg is "-u" or "--unset" && i + 1 < argv.Count) set[argv[++i]] = "";
            else if (arg.StartsWith("--unset=", StringComparison.Ordinal)) set[arg["--unset=".Length..]] = "";
            else if (arg.StartsWith('-')) return none;
            else if (arg.IndexOf('=') is var eq and > 0) set[arg[..eq]] = arg[(eq + 1)..];
            else break;
        }
        return i < argv.Count ? (set, argv.Skip(i).ToList()) : none;
    }

    /// <summary>The worker ids of a child of <paramref name="group"/>: one per lane.</summary>
    public static IReadOnlyList<string> WorkerIds(int pid, WorkerGroup group) => WorkerIdentity.Lanes(pid, group.QueueList, group.Concurrency);
}
