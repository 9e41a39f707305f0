namespace Pool.Master.Backoff;

/// <summary>What to do after a slot's worker exited on its own.</summary>
/// <param name="Delay">How long to wait before the respawn (zero: at once).</param>
/// <param name="StartedLooping">True only on the exit that turned the slot into a crash loop, so it is logged once.</param>
internal readonly record struct BackoffStep(TimeSpan Delay, bool StartedLooping);

/// <summary>
/// Exponential restart backoff for one worker slot. A worker that dies after a healthy uptime
/// is replaced at once; one that keeps dying soon after start waits Minimum, then twice as long
/// each time, up to Maximum. The slot is "crash-looping" from the first delayed respawn until a
/// worker stays up for ResetAfter. Time comes from the injected clock so tests drive it.
/// </summary>
internal sealed class RestartBackoff(BackoffOptions options, TimeProvider time)
{
    private long _startedAt;
    private bool _running;
    // Consecutive exits that came before ResetAfter of uptime.
    private int _quickExits;

    public bool IsLooping => _quickExits >= 2;

    public void Started()
    {
        _startedAt = time.GetTimestamp();
        _running = true;
    }

    public BackoffStep Exited()
    {
        var wasLooping = IsLooping;
        var uptime = _running ? time.GetElapsedTime(_startedAt) : TimeSpan.Zero;
        _running = false;
        _quickExits = uptime >= options.ResetAfter ? 1 : _quickExits + 1;
        return new BackoffStep(DelayFor(_quickExits), IsLooping && !wasLooping);
    }

    /// <summary>Forgets the backoff once the current worker has been up for ResetAfter. True when a crash loop just ended.</summary>
    public bool CheckHealthy()
    {
        if (!_running || _quickExits == 0 || time.GetElapsedTime(_startedAt) < options.ResetAfter) return false;
        var wasLooping = IsLooping;
        _quickExits = 0;
        return wasLooping;
    }

    private TimeSpan DelayFor(int quickExits)
    {
        if (quickExits <= 1) return TimeSpan.Zero;
        // 2^(n-2) stays exact up to the cap; clamp the exponent so the double cannot overflow.
        var factor = Math.Pow(2, Math.Min(quickExits - 2, 30));
        var delay = TimeSpan.FromTicks((long)Math.Min(options.Minimum.Ticks * factor, options.Maximum.Ticks));
        return delay < options.Minimum ? options.Minimum : delay;
    }
}
