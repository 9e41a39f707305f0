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
    public string Queues => K("queues");
    public string Queue(string name) => K("queue:" + name);
    public string Workers => K("workers");
    public string Worker(string id) => K("worker:" + id);
    public string WorkerStarted(string id) => K("worker:" + id + ":started");
    public string Heartbeats => K("workers:heartbeat");
    public string StatProcessed => K("stat:processed");
    public string StatFailed => K("stat:failed");
    public string StatProcessedBy(string id) => K("stat:processed:" + id);
    public string StatFailedBy(string id) => K("stat:failed:" + id);
    public string Failed => K("failed");
    public string PauseAll => K("pause-all-workers");

    // Pool's own keys.
    public string PoolWorkers => K("pool:workers");
    public string Lease(string id) => K("pool:lease:" + id);
    public string InFlight(string id) => K("pool:inflight:" + id);
    public string Wake(string queue) => K("pool:wake:" + queue);
    /// <summary>The wake list that workers with "*" in their queue list wait on.</summary>
    public string WakeAny => K("pool:wake-any");
    public string PausedQueues => K("pool:paused-queues");
    /// <summary>Where an enqueue hands an idle worker its reservation ("rid\nqueue\npayload"); see hand_off in common.lua.</summary>
    public string Mailbox(string id) => K("pool:mailbox:" + id);
    /// <summary>The idle workers that take from <paramref name="queue"/> ("*" for workers of every queue).</summary>
    public string Idle(string queue) => K("pool:idle:" + queue);
    public string SweepLock => K("pool:sweep-lock");
    /// <summary>Jobs workers put back on their queue unfinished (TERM, INT, USR1); Resque has no such counter.</summary>
    public string StatRequeued => K("pool:stat:requeued");
    /// <summary>Jobs of dead workers put back on their queue, by any master's or worker's recovery.</summary>
    public string StatRecovered => K("pool:stat:recovered");
    /// <summary>Jobs failed as poison because their workers kept dying.</summary>
    public string StatPoisoned => K("pool:stat:poisoned");
}
