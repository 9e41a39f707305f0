using Microsoft.Extensions.Time.Testing;

namespace Pool.Worker.Tests.Running.InProcess;

/// <summary>
/// A fake clock that knows which of its timers are armed and when they fire. Code on other
/// threads arms its deadlines a moment after the event that asks for them; a test waits until the
/// deadline it expects is armed (<see cref="Armed"/>) before it moves the clock, or the timer would
/// be armed after the move and fire that much late.
/// </summary>
internal sealed class WatchedClock : FakeTimeProvider
{
    private readonly Lock _gate = new();
    private readonly Dictionary<WatchedTimer, DateTimeOffset> _due = [];

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new WatchedTimer(this, period);
        // Armed and registered as one step: a test that saw the timer armed and moved the clock
        // in between moved it before the real timer existed, which then fired a period late,
        // never in a test that advances once (a CI run timed out so).
        lock (_gate)
        {
            Arm(timer, dueTime);
            timer.Inner = base.CreateTimer(s =>
            {
                timer.Fired();
                callback(s);
            }, state, dueTime, period);
        }
        return timer;
    }

    /// <summary>How long until each armed timer fires, soonest first.</summary>
    public IReadOnlyList<TimeSpan> Armed
    {
        get
        {
            lock (_gate)
            {
                var now = GetUtcNow();
                return [.. _due.Values.Select(due => due - now).Order()];
            }
        }
    }

    private void Arm(WatchedTimer timer, TimeSpan dueTime)
    {
        lock (_gate)
        {
            if (dueTime == Timeout.InfiniteTimeSpan) _due.Remove(timer);
            else _due[timer] = GetUtcNow() + dueTime;
        }
    }

    private sealed class WatchedTimer(WatchedClock clock, TimeSpan period) : ITimer
    {
        private TimeSpan _period = period;

        public ITimer Inner { get; set; } = null!;

        public void Fired() => clock.Arm(this, _period == TimeSpan.Zero ? Timeout.InfiniteTimeSpan : _period);

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (clock._gate)
            {
                _period = period;
                clock.Arm(this, dueTime);
                return Inner.Change(dueTime, period);
            }
        }

        public void Dispose()
        {
            clock.Arm(this, Timeout.InfiniteTimeSpan);
            Inner.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            clock.Arm(this, Timeout.InfiniteTimeSpan);
            return Inner.DisposeAsync();
        }
    }
}
