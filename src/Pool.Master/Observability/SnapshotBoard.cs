namespace Pool.Master.Observability;

/// <summary>
/// Where the loop pins its latest <see cref="MasterSnapshot"/> for readers on other threads.
/// One writer (the loop), any number of readers; a reference swap is atomic, and Volatile makes
/// the readers see a fully built snapshot, so no lock is needed.
/// </summary>
internal sealed class SnapshotBoard
{
    private MasterSnapshot _current = MasterSnapshot.Starting;

    public MasterSnapshot Current => Volatile.Read(ref _current);

    public void Publish(MasterSnapshot snapshot) => Volatile.Write(ref _current, snapshot);
}

/// <summary>The master's own job counters, bumped by the store's background tasks; read by /metrics.</summary>
internal sealed class MasterCounters
{
    private long _recovered;
    private long _poisoned;
    private long _dirtyExits;

    /// <summary>Jobs of dead workers this master put back on their queue.</summary>
    public long Recovered => Interlocked.Read(ref _recovered);

    /// <summary>Jobs this master sent to the failed list because their workers died too often.</summary>
    public long Poisoned => Interlocked.Read(ref _poisoned);

    public void AddRecovered() => Interlocked.Increment(ref _recovered);

    public void AddPoisoned() => Interlocked.Increment(ref _poisoned);

    /// <summary>Jobs of dead foreign workers this master recorded in the failed list as Resque::DirtyExit.</summary>
    public long DirtyExits => Interlocked.Read(ref _dirtyExits);

    public void AddDirtyExit() => Interlocked.Increment(ref _dirtyExits);
}
