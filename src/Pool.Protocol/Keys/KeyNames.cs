namespace Pool.Protocol.Keys;

/// <summary>
/// The one list of Redis key names, after the namespace and its colon. A name that ends in ':'
/// takes an id or a queue name after it. <see cref="ResqueKeys"/> builds every key the C# code
/// uses from these, and a test checks that every key the Lua scripts build (<c>k('...')</c>)
/// starts with one of them, so a key cannot exist only as a string inside a script.
/// </summary>
public static class KeyNames
{
    // Resque 3's keys, with its exact names, so Ruby producers and resque-web see Pool's data.
    public const string Queues = "queues";
    public const string Queue = "queue:";
    public const string Workers = "workers";
    /// <summary>A worker's current job (Resque's JSON); with the suffix ":started", its start time.</summary>
    public const string Worker = "worker:";
    public const string StartedSuffix = ":started";
    public const string Heartbeats = "workers:heartbeat";
    public const string StatProcessed = "stat:processed";
    public const string StatFailed = "stat:failed";
    public const string StatProcessedBy = "stat:processed:";
    public const string StatFailedBy = "stat:failed:";
    public const string Failed = "failed";
    public const string PauseAll = "pause-all-workers";

    // resque-scheduler 5's and resque-retry 1.8's keys, with their exact names (Scheduling/, Retries/).
    /// <summary>ZSET of the Unix seconds that have delayed jobs.</summary>
    public const string DelayedSchedule = "delayed_queue_schedule";
    /// <summary>A second's bucket of delayed jobs; also the member text of the reverse index.</summary>
    public const string DelayedBucket = "delayed:";
    /// <summary>HASH of recurring schedule name to the last enqueue, in Ruby's Time#to_s.</summary>
    public const string LastEnqueuedAt = "delayed:last_enqueued_at";
    /// <summary>The reverse index: the buckets that hold one encoded job.</summary>
    public const string Timestamps = "timestamps:";
    /// <summary>The scheduler master lock, after the namespace written twice (see SchedulerKeys.MasterLock).</summary>
    public const string SchedulerMasterLock = "resque_scheduler_master_lock";
    /// <summary>resque-retry's attempt counter, "resque-retry:CLASS[:SHA1]".</summary>
    public const string RetryCounter = "resque-retry:";
    /// <summary>resque-retry's suppressed failure: "failure-" + the counter key.</summary>
    public const string RetryFailure = "failure-";
    /// <summary>HASH of schedule name to its config JSON: resque-scheduler's dynamic schedules, which resque-web's Schedule tab lists.</summary>
    public const string PersistentSchedules = "persistent_schedules";
    /// <summary>SET of schedule names set or removed since a Ruby scheduler last loaded them.</summary>
    public const string SchedulesChanged = "schedules_changed";

    // Pool's own keys, under pool:, which Resque never reads.
    public const string PoolWorkers = "pool:workers";
    public const string Lease = "pool:lease:";
    public const string InFlight = "pool:inflight:";
    public const string Wake = "pool:wake:";
    public const string WakeAny = "pool:wake-any";
    public const string PausedQueues = "pool:paused-queues";
    public const string Mailbox = "pool:mailbox:";
    public const string Idle = "pool:idle:";
    /// <summary>The queue list an idle worker waits on, with a TTL its idle poll renews.</summary>
    public const string Idler = "pool:idler:";
    /// <summary>A counter that makes the reservation ids of idle hand-offs unique.</summary>
    public const string Handoffs = "pool:handoffs";
    public const string SweepLock = "pool:sweep-lock";
    public const string StatRequeued = "pool:stat:requeued";
    public const string StatRecovered = "pool:stat:recovered";
    public const string StatPoisoned = "pool:stat:poisoned";
    /// <summary>A master's memory and autoscaling picture (JSON, expiring), by host:pid, for `pool-master status`.</summary>
    public const string Capacity = "pool:capacity:";
    /// <summary>The masters that published one, scored by when it expires.</summary>
    public const string CapacityMasters = "pool:capacity-masters";
    /// <summary>Failed jobs scheduled for an automatic retry.</summary>
    public const string StatRetried = "pool:stat:retried";
    /// <summary>Pub/sub channel a delayed push publishes its second on, to wake the scheduler.</summary>
    public const string SchedulerWake = "pool:scheduler:wake";
    /// <summary>HASH of recurring entry name to the last occurrence fired.</summary>
    public const string ScheduleLastFire = "pool:schedule:last-fire";
    /// <summary>HASH of recurring entry name to the config JSON Pool wrote into persistent_schedules (what Pool owns there).</summary>
    public const string SchedulePublished = "pool:schedule:published";
    /// <summary>HASH of a pending delayed retry (Ruby's encoding) to its resque-retry counter key, for its move to the queue.</summary>
    public const string RetryPending = "pool:retry-pending";
    /// <summary>Prefix of a key the scheduler found of the wrong type where a delayed bucket belongs ("pool:bad-key:delayed:N"), set aside with a failed entry that names it.</summary>
    public const string BadKey = "pool:bad-key:";

    // The web dashboard's: live masters' snapshots and the processed/failed history (MasterRegistry, StatsHistory).
    public const string Masters = "pool:masters";
    public const string Master = "pool:master:";
    public const string MinuteHistory = "pool:history:minute";
    public const string DayHistory = "pool:history:day";

    /// <summary>Every name above, for the check against the scripts.</summary>
    public static IReadOnlyList<string> All { get; } =
        typeof(KeyNames).GetFields().Where(f => f.IsLiteral && f.Name != nameof(StartedSuffix)).Select(f => (string)f.GetRawConstantValue()!).ToList();
}
