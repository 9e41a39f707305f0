using System.Globalization;
using Pool.Protocol.Recovery;

namespace Pool.Worker.Running;

/// <summary>How many lanes a worker process runs: --concurrency, then POOL_CONCURRENCY (set by the master from the group's concurrency), then 1.</summary>
internal static class WorkerConcurrency
{
    private const string EnvironmentVariable = Pool.Settings.PoolVariables.Concurrency;

    public static int Parse(int? option, string? environment, out string? error)
    {
        error = null;
        int value;
        if (option is { } o) value = o;
        else if (environment is null) return 1;
        else if (!int.TryParse(environment, NumberStyles.None, CultureInfo.InvariantCulture, out value)) value = 0;
        if (value is >= 1 and <= WorkerLanes.MaxConcurrency) return value;
        error = $"--concurrency / {EnvironmentVariable} must be a whole number of jobs from 1 to {WorkerLanes.MaxConcurrency}, not '{(option?.ToString(CultureInfo.InvariantCulture) ?? environment)}'";
        return 1;
    }
}
