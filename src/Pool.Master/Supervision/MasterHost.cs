using Pool.Master.Cli;
using Serilog;

namespace Pool.Master.Supervision;

/// <summary>Entry point of `pool-master run`. STUB: the supervision work replaces this.</summary>
public static class MasterHost
{
    public static Task<int> RunAsync(MasterSettings settings, IReadOnlyDictionary<string, string?> env, ILogger log, CancellationToken ct)
    {
        log.Information("pool-master would supervise {Config}", settings.ConfigPath);
        return Task.FromResult(0);
    }
}
