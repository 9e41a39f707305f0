using Pool.Protocol.Admin;
using StackExchange.Redis;

namespace Pool.Protocol.Scheduling;

/// <summary>The scheduler as any client sees it in Redis: who holds the lease, what is scheduled, how late the oldest due job is.</summary>
internal sealed class SchedulerStatusReader(IDatabase db, SchedulerKeys keys, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public async Task<SchedulerStatus> ReadAsync(string? lockPrefix = null)
    {
        var now = _time.GetUtcNow();
        var holder = (string?)await db.StringGetOrNullAsync(keys.MasterLock(lockPrefix)).ConfigureAwait(false);
        var (jobs, seconds) = await new DelayedQueue(db, keys).CountAsync().ConfigureAwait(false);
        var (due, oldest) = await new SchedulerStore(db, keys, "", "").DueBacklogAsync(now).ConfigureAwait(false);
        var retried = (long?)await db.StringGetOrNullAsync(keys.StatRetried).ConfigureAwait(false) ?? 0;
        var lag = oldest is { } o ? now - DateTimeOffset.FromUnixTimeSeconds(o) : TimeSpan.Zero;
        return new SchedulerStatus(holder, jobs, seconds, due, lag, retried);
    }
}

/// <param name="Leader">The lease holder ("host:pid"; a Ruby resque-scheduler shows the same way), or null when nobody schedules.</param>
/// <param name="DelayedJobs">Jobs scheduled, due or not.</param>
/// <param name="DelayedSeconds">Distinct seconds they are due at (resque-web's Delayed tab count).</param>
/// <param name="DueJobs">Jobs whose time has come but that are not in their queue yet.</param>
/// <param name="Lag">How late the oldest of those is.</param>
/// <param name="Retried">Failed jobs scheduled for an automatic retry so far (pool:stat:retried).</param>
internal sealed record SchedulerStatus(string? Leader, long DelayedJobs, long DelayedSeconds, long DueJobs, TimeSpan Lag, long Retried);
