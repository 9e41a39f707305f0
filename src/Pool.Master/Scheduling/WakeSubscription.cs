using Pool.Protocol.Connection;
using Serilog;
using StackExchange.Redis;

namespace Pool.Master.Scheduling;

/// <summary>
/// The scheduler's wake-up channel: a Pool delayed push PUBLISHes its second there, so the
/// leader re-plans at once. It is only a shortcut, since the loop polls every
/// POOL_SCHEDULER_POLL anyway, so a subscription that fails never holds a pass back (it did: the
/// loop retried SUBSCRIBE before every pass, and a user without pub/sub moved nothing, ever).
/// A Redis user that may not SUBSCRIBE is told once, with the fix, and not asked again: each
/// refusal would be one more entry in Redis's ACL LOG. Any other failure (Redis not up yet) is
/// retried before the next pass.
/// </summary>
internal sealed class WakeSubscription(Func<Task> subscribe, string channel, TimeSpan poll, ILogger log)
{
    /// <summary>Subscribed, or refused for good: nothing more to try.</summary>
    private bool _settled;
    /// <summary>A failure was logged and no subscription has followed it yet.</summary>
    private bool _failing;

    /// <summary>Subscribes unless done already; never throws, whatever Redis answers.</summary>
    /// <param name="stop">The scheduler's stop: a subscription that fails because the master is closing the connection says nothing.</param>
    public async Task EnsureAsync(CancellationToken stop)
    {
        if (_settled) return;
        try
        {
            await subscribe().ConfigureAwait(false);
            _settled = true;
            if (_failing) log.Information("scheduler: subscribed to {Channel}; delayed pushes wake the scheduler again", channel);
        }
        catch (RedisServerException e) when (e.Message.StartsWith("NOPERM", StringComparison.Ordinal))
        {
            _settled = true;
            log.Warning("scheduler: wake-ups off: the Redis user may not SUBSCRIBE to {Channel} ({Error}); delayed jobs and schedules still run, found by polling every {Poll}s. " +
                "To wake at once, grant pub/sub: ACL SETUSER <user> +@pubsub &* (or &{Channel}), then restart the master",
                channel, RedisErrors.Brief(e), poll.TotalSeconds, channel);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // At the master's stop with Redis unreachable, the connection is disposed under a
            // pending subscribe: that was a warning about a disposed object after the drain report.
            if (stop.IsCancellationRequested) return;
            if (!_failing) log.Warning("scheduler: no wake-ups yet, could not subscribe to {Channel} ({Error}); polling every {Poll}s and subscribing again before each pass", channel, RedisErrors.Brief(e), poll.TotalSeconds);
            _failing = true;
        }
    }
}
