namespace Pool.Master.Backoff;

/// <summary>How a slot whose worker keeps dying is slowed down.</summary>
/// <param name="Minimum">The delay before the second quick respawn; the first one is immediate.</param>
/// <param name="Maximum">The cap: a crash-looping slot is retried at least this often.</param>
/// <param name="ResetAfter">Uptime after which a worker counts as healthy and its slot's backoff is forgotten.</param>
internal sealed record BackoffOptions(TimeSpan Minimum, TimeSpan Maximum, TimeSpan ResetAfter)
{
    public static BackoffOptions Default { get; } =
        new(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30));
}
