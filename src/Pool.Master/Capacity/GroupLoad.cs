namespace Pool.Master.Capacity;

/// <summary>
/// What one sample saw of a group's work: jobs waiting in its (unpaused) queues, the age of the
/// oldest (null when no queue could tell), and how many of its workers run a job now.
/// </summary>
internal sealed record GroupLoad(long Waiting, TimeSpan? OldestAge, int Busy)
{
    public static readonly GroupLoad Empty = new(0, null, 0);
}
