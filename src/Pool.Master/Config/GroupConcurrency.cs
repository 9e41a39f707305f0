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

    /// <summary>The worker ids of a child of <paramref name="group"/>: one per lane.</summary>
    public static IReadOnlyList<string> WorkerIds(int pid, WorkerGroup group) => WorkerIdentity.Lanes(pid, group.QueueList, group.Concurrency);
}
