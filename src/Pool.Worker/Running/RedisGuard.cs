using Pool.Protocol.Connection;
using Serilog;
using StackExchange.Redis;

namespace Pool.Worker.Running;

/// <summary>
/// Retries Redis calls through an outage with capped backoff (on the worker's clock), and
/// reports the outage once when it starts and once when it ends; failed attempts are only logged
/// at debug level. A job is never dropped on the way: the caller keeps retrying its ack, requeue
/// or fail until Redis answers or it gives up on stop, in which case the job stays in the
/// in-flight record for recovery.
/// An outage starts at the first sign of it: the connection's failure event or a call that
/// fails as an outage. It ends only when a call that was started during it succeeds. The
/// client's own "restored" event is not trusted for that: while a restarted Redis loads its
/// AOF the socket reconnects and drops again, which would report one outage twice.
/// </summary>
internal sealed class RedisGuard(ILogger log, TimeProvider time)
{
    private static readonly TimeSpan MinDelay = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(2);
    private int _down;

    /// <summary>How often a refusal that goes on (NOPERM for a user that lacks a command, OOM) is reported again.</summary>
    internal static readonly TimeSpan RefusalReminder = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The calls Redis is refusing now, with when the refusal was last reported: once when it
    /// starts, again every <see cref="RefusalReminder"/> while it goes on (one line, then silence,
    /// read as a pool that works), and once when it ends.
    /// </summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DateTimeOffset> _refusing = new(StringComparer.Ordinal);

    /// <summary>Called on every sign of an outage (the sweep gate listens: expired leases mean little right after one).</summary>
    public Action? OnOutage { get; set; }

    /// <summary>Reports an outage as soon as the main connection drops, before any call notices it.</summary>
    public void Watch(IConnectionMultiplexer connection)
    {
        connection.ConnectionFailed += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Interactive) Down(e.FailureType.ToString());
        };
        // A wrong password is not an outage to wait out: say what it is, at error level.
        RedisAuthentication.Watch(connection, () => log.Error("Redis {Failure}; retrying with backoff, no job is lost", RedisAuthentication.Failed));
    }

    /// <summary>Reports an outage noticed outside a call (a first connect that does not come); the next call that succeeds ends it.</summary>
    public void ReportDown(string why) => Down(why);

    private void Down(string why)
    {
        OnOutage?.Invoke();
        if (Interlocked.Exchange(ref _down, 1) == 0)
            log.Warning("Redis is unreachable ({Failure}); retrying with backoff, no job is lost", why);
    }

    private void Up(bool wasDown)
    {
        if (wasDown && Interlocked.Exchange(ref _down, 0) == 1) log.Information("Redis is reachable again");
    }

    public async Task<T> RunAsync<T>(string what, Func<Task<T>> call, CancellationToken giveUp)
    {
        var delay = MinDelay;
        while (true)
        {
            // Only a call that began during the outage proves it over: a reply that was already
            // on its way when the connection dropped proves nothing.
            var wasDown = Volatile.Read(ref _down) == 1;
            try
            {
                var result = await call().ConfigureAwait(false);
                Up(wasDown);
                if (!_refusing.IsEmpty && _refusing.TryRemove(what, out _)) log.Information("Redis accepts {What:l} again", what);
                return result;
            }
            catch (RedisServerException e) when (!IsOutage(e))
            {
                // Redis answered with an error (OOM at maxmemory, a stray key of the wrong type, a
                // script error). The worker used to die of it, in the ack of a job that had run,
                // so the master put that job back and it ran again. Retried instead, reported once.
                var now = time.GetUtcNow();
                if (_refusing.TryAdd(what, now))
                    log.Error("Redis refused {What:l}: {Error:l}; retrying with backoff: what this worker holds stays in its in-flight record, not lost, not run again", what, e.Message.Split('\n')[0]);
                else if (_refusing.TryGetValue(what, out var said) && now - said >= RefusalReminder && _refusing.TryUpdate(what, now, said))
                    log.Error("Redis still refuses {What:l}: {Error:l}; still retrying{Hint:l}", what, e.Message.Split('\n')[0],
                        e.Message.StartsWith("NOPERM", StringComparison.Ordinal) ? " (the user in REDIS_URL lacks a command Pool needs: grant it with ACL SETUSER, see the README)" : "");
            }
            catch (Exception e) when (IsOutage(e))
            {
                Down(e switch
                {
                    ReplicaUnconfirmedException => e.Message,
                    // A wrong password read as an unreachable Redis said nothing of the password.
                    RedisConnectionException { FailureType: ConnectionFailureType.AuthenticationFailure } => RedisAuthentication.Failed,
                    _ => e.GetType().Name,
                });
                log.Debug("Redis call {What} failed ({Error}); retrying in {Delay}", what, e.Message, delay);
            }
            // Only a failure gets here: the same capped backoff for an outage and a refusal.
            await Task.Delay(delay, time, giveUp).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxDelay.Ticks));
        }
    }

    public Task RunAsync(string what, Func<Task> call, CancellationToken giveUp) =>
        RunAsync(what, async () => { await call().ConfigureAwait(false); return true; }, giveUp);

    /// <summary>
    /// Failures a retry cures. A failover brings three: an unconfirmed write (the old primary takes
    /// writes its lost replica never sees), READONLY (a write that reached the old primary just as
    /// the sentinels demoted it) and NOREPLICAS (a primary with min-replicas-to-write); the retry
    /// lands on the new primary once the client follows.
    /// </summary>
    public static bool IsOutage(Exception e) =>
        e is RedisConnectionException or RedisTimeoutException or TimeoutException or ReplicaUnconfirmedException
        || (e is RedisServerException s && RetriedReplies.Any(r => s.Message.StartsWith(r, StringComparison.Ordinal)));

    private static readonly string[] RetriedReplies = ["LOADING", "BUSY", "READONLY", "NOREPLICAS"];
}
