namespace Pool.Master.Scheduling;

/// <summary>
/// What the scheduler last saw, for /status, /metrics and the log. Written by the scheduler's own
/// task only, read by others: an immutable record swapped whole.
/// </summary>
/// <param name="Leader">Whether this master holds the lease.</param>
/// <param name="Holder">Who holds it ("host:pid", "" for nobody; may be a Ruby scheduler).</param>
/// <param name="DueJobs">Jobs whose time has come and that are not in their queue yet (at the last look).</param>
/// <param name="Lag">How late the oldest due job is; zero when none is due.</param>
/// <param name="Moved">Jobs this master moved to their queues since it started.</param>
internal sealed record SchedulerState(bool Leader, string Holder, long DueJobs, TimeSpan Lag, long Moved)
{
    public static readonly SchedulerState Off = new(false, "", 0, TimeSpan.Zero, 0);
}
