using Serilog;
using StackExchange.Redis;

namespace Pool.Worker.Running;

/// <summary>
/// Retries Redis calls through an outage with capped backoff. The connection itself reports the
/// outage once when it starts and once when it ends (<see cref="Watch"/>); failed attempts are
/// only logged at debug level. A job is never dropped on the way: the
/// caller keeps retrying its ack, requeue or fail until Redis answers or it gives up on stop, in
/// which case the job stays in the in-flight record for recovery.
/// </summary>
internal sealed class RedisGuard(ILogger log)
{
    private static readonly TimeSpan MinDelay = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(2);
    private int _down;

    /// <summary>Logs when the main connection drops and when it is back: once each, not per command.</summary>
    public void Watch(IConnectionMultiplexer connection)
    {
        connection.ConnectionFailed += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Interactive && Interlocked.Exchange(ref _down, 1) == 0)
                log.Warning("Redis is unreachable ({Failure}); retrying with backoff, no job is lost", e.FailureType);
        };
        connection.ConnectionRestored += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Interactive && Interlocked.Exchange(ref _down, 0) == 1)
                log.Information("Redis is reachable again");
        };
    }

    public async Task<T> RunAsync<T>(string what, Func<Task<T>> call, CancellationToken giveUp)
    {
        var delay = MinDelay;
        while (true)
        {
            try
            {
                var result = await call().ConfigureAwait(false);
                return result;
            }
            catch (Exception e) when (IsOutage(e))
            {
                log.Debug("Redis call {What} failed ({Error}); retrying in {Delay}", what, e.Message, delay);
                await Task.Delay(delay, giveUp).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxDelay.Ticks));
            }
        }
    }

    public Task RunAsync(string what, Func<Task> call, CancellationToken giveUp) =>
        RunAsync(what, async () => { await call().ConfigureAwait(false); return true; }, giveUp);

    public static bool IsOutage(Exception e) =>
        e is RedisConnectionException or RedisTimeoutException or TimeoutException
        || (e is RedisServerException s && (s.Message.StartsWith("LOADING", StringComparison.Ordinal) || s.Message.StartsWith("BUSY", StringComparison.Ordinal)));
}
