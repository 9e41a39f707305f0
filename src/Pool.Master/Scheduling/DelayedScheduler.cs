using Pool.Protocol.Connection;
using Pool.Protocol.Scheduling;
using Serilog;

namespace Pool.Master.Scheduling;

/// <summary>
/// The scheduler's loop. Each pass is one EVALSHA that takes or renews the lease and reads the
/// earliest scheduled second; the leader then sleeps until exactly that second (or the next
/// poll, whichever is first) and moves what is due in atomic batches. A Pool delayed push
/// publishes its second, which wakes the loop to re-plan, so a job scheduled 50 ms ahead is not
/// left for the next poll. Followers only poll, and take over when the lease lapses.
///
/// Nothing here may end the master: every failure is contained in the pass, logged once when the
/// state changes (not on every retry), and the pass is retried after a pause.
/// </summary>
internal sealed class DelayedScheduler(SchedulerStore store, SchedulerOptions options, ILogger log, TimeProvider time, RecurringScheduler? recurring = null)
{
    private readonly SemaphoreSlim _wake = new(0, 1);
    private bool _leader;
    /// <summary>Who held the lease at the last look, so a follower logs each change of holder once.</summary>
    private string? _holder;
    private bool _failing;
    private long _moved;
    /// <summary>The delayed schedule key's wrong type at the last look, so it is logged once per change.</summary>
    private string? _brokenSchedule;

    /// <summary>How long the loop rests after a pass that failed.</summary>
    public static readonly TimeSpan RetryPause = TimeSpan.FromSeconds(1);

    /// <summary>Re-tick the lease this often while draining a long backlog, so a big move never outlives it.</summary>
    private const int BatchesPerTick = 10;

    public SchedulerState State { get; private set; } = SchedulerState.Off;

    /// <summary>Thread-safe: makes the loop re-plan now (a delayed push was published).</summary>
    public void Wake()
    {
        try { _wake.Release(); }
        catch (SemaphoreFullException) { /* a wake-up is pending already */ }
    }

    /// <param name="wakeUps">Subscribed before a pass, without ever holding it back: a pass polls whether or not it succeeds.</param>
    public async Task RunAsync(WakeSubscription? wakeUps, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            TimeSpan wait;
            try
            {
                if (wakeUps is not null) await wakeUps.EnsureAsync(stop).ConfigureAwait(false);
                wait = await PassAsync().ConfigureAwait(false);
                if (_failing) log.Information("scheduler: Redis answers again");
                _failing = false;
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
                // A pass cut short by the stop (its connection closed under it) is no failure.
                break;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                if (!_failing) log.Warning("scheduler: pass failed ({Error}); retrying every {Retry}s", RedisErrors.Brief(e), RetryPause.TotalSeconds);
                _failing = true;
                if (_leader) log.Warning("scheduler: no longer sure of the lease; another master takes over if it lapses");
                _leader = false;
                State = State with { Leader = false };
                wait = RetryPause;
            }
            try
            {
                await _wake.WaitAsync(wait, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
        }
    }

    /// <summary>One pass: lease, then any due moves. Returns how long to sleep.</summary>
    internal async Task<TimeSpan> PassAsync()
    {
        var tick = await store.TickAsync(options.Lease).ConfigureAwait(false);
        NoteLeadership(tick);
        if (!tick.Leader)
        {
            await NoteBacklogAsync(tick).ConfigureAwait(false);
            return options.Poll;
        }

        var batches = 0;
        var moved = false;
        while (tick.Earliest is { } first && first <= time.GetUtcNow().ToUnixTimeSeconds())
        {
            moved = true;
            var now = time.GetUtcNow();
            var result = await store.MoveDueAsync(now, options.Batch).ConfigureAwait(false);
            if (result.Moved < 0)
            {
                // Between the tick and the move the lease went elsewhere (it lapsed while we paused).
                NoteLeadership(tick with { Leader = false });
                return options.Poll;
            }
            _moved += result.Moved;
            if (result.Failed > 0)
                log.Warning("scheduler: {Failed} delayed entr(ies) could not be read as jobs and went to the failed list (Pool::BadDelayedJob)", result.Failed);
            if (!result.More) break;
            if (++batches % BatchesPerTick == 0)
            {
                tick = await store.TickAsync(options.Lease).ConfigureAwait(false);
                NoteLeadership(tick);
                if (!tick.Leader) return options.Poll;
            }
        }
        // After a move, look again: the earliest second has changed (an idle pass costs one tick only).
        if (moved)
        {
            tick = await store.TickAsync(options.Lease).ConfigureAwait(false);
            NoteLeadership(tick);
        }
        await NoteBacklogAsync(tick).ConfigureAwait(false);
        var wait = Until(tick.Earliest);
        if (tick.Leader && recurring is not null && await recurring.FireDueAsync(time.GetUtcNow()).ConfigureAwait(false) is { } next)
        {
            var untilNext = next - time.GetUtcNow() + TimeSpan.FromMilliseconds(1);
            if (untilNext < wait) wait = untilNext < TimeSpan.Zero ? TimeSpan.Zero : untilNext;
        }
        return wait;
    }

    /// <summary>Until the earliest second begins (rounded up to the next millisecond), capped by the poll interval.</summary>
    private TimeSpan Until(long? earliest)
    {
        if (earliest is not { } at) return options.Poll;
        var ms = at * 1000 - time.GetUtcNow().ToUnixTimeMilliseconds();
        if (ms <= 0) return TimeSpan.Zero;
        return ms >= options.Poll.TotalMilliseconds ? options.Poll : TimeSpan.FromMilliseconds(ms + 1);
    }

    /// <summary>Due backlog and lag, counted only when something is overdue (rare for a leader: it just moved them).</summary>
    private async Task NoteBacklogAsync(SchedulerTick tick)
    {
        var now = time.GetUtcNow();
        if (tick.Earliest is { } first && first <= now.ToUnixTimeSeconds())
        {
            var (jobs, oldest) = await store.DueBacklogAsync(now).ConfigureAwait(false);
            var lag = oldest is { } o ? now - DateTimeOffset.FromUnixTimeSeconds(o) : TimeSpan.Zero;
            State = State with { DueJobs = jobs, Lag = lag, Moved = _moved };
        }
        else State = State with { DueJobs = 0, Lag = TimeSpan.Zero, Moved = _moved };
    }

    private void NoteLeadership(SchedulerTick tick)
    {
        NoteScheduleKey(tick);
        if (tick.Leader && !_leader)
            log.Information("scheduler: this master leads (lease {Key} as {Value}, {Lease}s)", store.LockKey, store.LockValue, options.Lease.TotalSeconds);
        else if (!tick.Leader && (_leader || _holder != tick.Holder))
            log.Information("scheduler: lease held by {Holder}; this master follows", tick.Holder == "" ? "nobody" : tick.Holder);
        // A new leader reads who fired what from Redis: another master may have fired since.
        if (tick.Leader && !_leader) recurring?.Forget();
        _leader = tick.Leader;
        _holder = tick.Holder;
        State = State with { Leader = tick.Leader, Holder = tick.Holder };
    }

    /// <summary>Another app's key of the wrong type where the delayed schedule belongs: logged once when it appears and once when it is gone.</summary>
    private void NoteScheduleKey(SchedulerTick tick)
    {
        if (tick.BrokenScheduleType == _brokenSchedule) return;
        if (tick.BrokenScheduleType is { } kind)
            log.Warning("scheduler: the key {Key} holds a {Type}, not a sorted set (the delayed schedule); delayed jobs and retries wait until it is renamed or deleted, recurring schedules go on",
                store.Keys.Schedule, kind);
        else
            log.Information("scheduler: the key {Key} is a delayed schedule again; delayed jobs move", store.Keys.Schedule);
        _brokenSchedule = tick.BrokenScheduleType;
    }

    /// <summary>On a clean stop: give the lease back so another master leads at once.</summary>
    public async Task ReleaseAsync()
    {
        if (!_leader) return;
        if (await store.ReleaseAsync().ConfigureAwait(false)) log.Information("scheduler: lease released");
        _leader = false;
    }
}
