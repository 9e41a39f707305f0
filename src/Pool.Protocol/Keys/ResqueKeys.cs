namespace Pool.Protocol.Keys;

/// <summary>
/// Every Redis key Pool reads or writes. Resque's own keys keep Resque 3's exact names so Ruby
/// and Node producers and resque-web see Pool's data; Pool's additions live under NS:pool:*,
/// which Resque never reads.
/// </summary>
public sealed class ResqueKeys
{
    public const string DefaultNamespace = "resque";

    public ResqueKeys(string? ns = null)
    {
        Namespace = string.IsNullOrWhiteSpace(ns) ? DefaultNamespace : ns.Trim().TrimEnd(':');
    }

    /// <summary>The prefix without its trailing colon, "resque" by default.</summary>
    public string Namespace { get; }


    private string K(string rest) => Namespace + ":" + rest;

    // Resque 3's keys.
    public string Queues => K(KeyNames.Queues);
    public string Queue(string name) => K(KeyNames.Queue + name);
    public string Workers => K(KeyNames.Workers);
    public string Worker(string id) => K(KeyNames.Worker + id);
    public string WorkerStarted(string id) => K(KeyNames.Worker + id + KeyNames.StartedSuffix);
    public string Heartbeats => K(KeyNames.Heartbeats);
    public string StatProcessed => K(KeyNames.StatProcessed);
    public string StatFailed => K(KeyNames.StatFailed);
    public string StatProcessedBy(string id) => K(KeyNames.StatProcessedBy + id);
    public string StatFailedBy(string id) => K(KeyNames.StatFailedBy + id);
    public string Failed => K(KeyNames.Failed);
    public string PauseAll => K(KeyNames.PauseAll);

    // Pool's own keys.
    public string PoolWorkers => K(KeyNames.PoolWorkers);
    public string Lease(string id) => K(KeyNames.Lease + id);
    public string InFlight(string id) => K(KeyNames.InFlight + id);
    public string Wake(string queue) => K(KeyNames.Wake + queue);
    /// <summary>The wake list that workers with "*" in their queue list wait on.</summary>
    public string WakeAny => K(KeyNames.WakeAny);
    public string PausedQueues => K(KeyNames.PausedQueues);
    /// <summary>Where an enqueue hands an idle worker its reservation ("rid\nqueue\npayload"); see hand_off in common.lua.</summary>
    public string Mailbox(string id) => K(KeyNames.Mailbox + id);
    /// <summary>The idle workers that take from <paramref name="queue"/> ("*" for workers of every queue).</summary>
    public string Idle(string queue) => K(KeyNames.Idle + queue);
    /// <summary>The queue list an idle worker waits on; expires unless its idle poll renews it.</summary>
    public string Idler(string id) => K(KeyNames.Idler + id);
    public string SweepLock => K(KeyNames.SweepLock);
    /// <summary>Jobs workers put back on their queue unfinished (TERM, INT, USR1); Resque has no such counter.</summary>
    public string StatRequeued => K(KeyNames.StatRequeued);
    /// <summary>Jobs of dead workers put back on their queue, by any master's or worker's recovery.</summary>
    public string StatRecovered => K(KeyNames.StatRecovered);
    /// <summary>Jobs failed as poison because their workers kept dying.</summary>
    public string StatPoisoned => K(KeyNames.StatPoisoned);

    // The web dashboard's keys.
    /// <summary>Sorted set of live masters: member = master id (HOST:PID), score = when its snapshot expires (unix ms).</summary>
    public string Masters => K(KeyNames.Masters);
    /// <summary>One master's snapshot (JSON), with a TTL; gone a few seconds after the master stops publishing.</summary>
    public string Master(string id) => K(KeyNames.Master + id);
    /// <summary>Sorted set of per-minute samples of the totals: score = unix minute, member = "minute:processed:failed".</summary>
    public string MinuteHistory => K(KeyNames.MinuteHistory);
    /// <summary>Sorted set of per-day samples of the totals: score = unix day, member = "day:processed:failed".</summary>
    public string DayHistory => K(KeyNames.DayHistory);
    /// <summary>The memory and autoscaling picture a master (host:pid) publishes for `pool-master status`.</summary>
    public string Capacity(string master) => K(KeyNames.Capacity + master);
    public string CapacityMasters => K(KeyNames.CapacityMasters);
}
