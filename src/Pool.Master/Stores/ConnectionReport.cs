using Serilog;

namespace Pool.Master.Stores;

/// <summary>
/// Says so when Redis does not answer a starting master. The store connects in the background
/// (supervision never waits for Redis), so a wrong port or a Redis still starting was silent
/// until some side task timed out seconds later, in the client's words. This waits a moment,
/// warns once in Pool's words while the connection is missing, and says when it comes.
/// It only logs through the side log, which is closed before the master's exit line.
/// </summary>
internal static class ConnectionReport
{
    /// <summary>How long a connect may take before it is reported: a healthy local Redis answers in milliseconds.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(1);

    public static async Task WatchAsync(Func<bool> isConnected, string redactedUrl, ILogger log, CancellationToken stop)
    {
        try
        {
            await Task.Delay(Patience, stop).ConfigureAwait(false);
            if (isConnected()) return;
            log.Warning("Redis at {Redis} is not answering; supervising anyway: workers wait for it and lose no job, and the recovery of crashed workers' jobs waits too. Check REDIS_URL if this lasts", redactedUrl);
            while (!isConnected()) await Task.Delay(Patience, stop).ConfigureAwait(false);
            log.Information("Redis at {Redis} answers now", redactedUrl);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The master is stopping: nothing more to say.
        }
    }
}
