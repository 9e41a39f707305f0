using Serilog;
using StackExchange.Redis;

namespace Pool.Worker.Running;

/// <summary>
/// Retries Redis calls through an outage with capped backoff, and logs the outage once when it
/// starts and once when it ends, not on every attempt. A job is never dropped on the way: the
/// caller keeps retrying its ack, requeue or fail until Redis answers or it gives up on stop, in
/// which case the job stays in the in-flight record for recovery.
/// </summary>
internal sealed class RedisGuard(ILogger log)
{
    private static readonly TimeSpan MinDelay = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(2);
    private int _down;

    public async Task<T> RunAsync<T>(string what, Func<Task<T>> call, CancellationToken giveUp)
    {
        var delay = MinDelay;
        while (true)
        {
            try
            {
                var result = await call().ConfigureAwait(false);
                if (Interlocked.Exchange(ref _down, 0) == 1) log.Information("Redis is reachable again");
                return result;
            }
            catch (Exception e) when (IsOutage(e))
            {
                if (Interlocked.Exchange(ref _down, 1) == 0)
                    log.Warning("Redis is unreachable ({What}: {Error}); retrying with backoff", what, e.Message);
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
