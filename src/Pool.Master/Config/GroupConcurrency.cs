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
    /// command first, then POOL_CONCURRENCY, which it inherits from the master's environment when
    /// the group sets no `concurrency:`; the master must know the same number, or it recovers
    /// and vouches for lane 0 only: the job of lane 1 of a worker killed with -9 waited for its
    /// lease (15 s), and a stopped worker's lane 1 was swept while its job still ran.
    /// </summary>
    /// <exception cref="ConfigException">The group's `concurrency:` and its command's `--concurrency` disagree, or the flag is out of range.</exception>
    /// <exception cref="FormatException">The master's worker command gives a `--concurrency` out of range.</exception>
    public static PoolConfig Resolve(PoolConfig config, IReadOnlyList<string> workerCommand, IReadOnlyDictionary<string, string?> env)
    {
        var inherited = int.TryParse(SettingsResolver.Get(env, Pool.Settings.PoolVariables.Concurrency), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= WorkerLanes.MaxConcurrency ? n : 1;
        return config with { Groups = [.. config.Groups.Select(g => g with { Concurrency = LanesOf(config, g, workerCommand, inherited) })] };
    }

    private static int LanesOf(PoolConfig config, WorkerGroup group, IReadOnlyList<string> workerCommand, int inherited)
    {
        var key = group.Places?.Option(Key);
        if (FlagIn(group.Argv(workerCommand)) is not { } text) return key is null ? inherited : group.Concurrency;
        var own = group.Command is not null;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var flag) || flag is < 1 or > WorkerLanes.MaxConcurrency)
            throw WorkerCommandCheck.CommandProblem(config, group, own, $"--concurrency must be a whole number of jobs per worker process from 1 to {WorkerLanes.MaxConcurrency}, got '{ConfigException.Shorten(text)}'");
        if (key is not null && flag != group.Concurrency)
            throw key.Value.Error($"is {group.Concurrency}, but the worker command says --concurrency {flag}, which the worker obeys: keep one of the two");
        return flag;
    }

    /// <summary>The value after the last `--concurrency` (or in `--concurrency=N`) of argv, as the worker's parser takes it; null when absent.</summary>
    private static string? FlagIn(IReadOnlyList<string> argv)
    {
        string? value = null;
        for (var i = 1; i < argv.Count; i++)
        {
            if (argv[i] == "--concurrency") value = i + 1 < argv.Count ? argv[i + 1] : "";
            else if (argv[i].StartsWith("--concurrency=", StringComparison.Ordinal)) value = argv[i]["--concurrency=".Length..];
        }
        return value;
    }

    /// <summary>The worker ids of a child of <paramref name="group"/>: one per lane.</summary>
    public static IReadOnlyList<string> WorkerIds(int pid, WorkerGroup group) => WorkerIdentity.Lanes(pid, group.QueueList, group.Concurrency);
}
