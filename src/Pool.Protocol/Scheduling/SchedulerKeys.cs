using Pool.Protocol.Keys;
using StackExchange.Redis;

namespace Pool.Protocol.Scheduling;

/// <summary>
/// The keys of resque-scheduler 5 and resque-retry 1.8 (their exact names, so Ruby's
/// remove_delayed, resque-web's Delayed, Schedule and Retry tabs see Pool's data) and Pool's own
/// scheduling keys under NS:pool:*. Bucket names inside the reverse index carry no namespace:
/// Ruby SADDs the literal "delayed:TS".
/// </summary>
public sealed class SchedulerKeys(ResqueKeys keys)
{
    public SchedulerKeys(string? ns) : this(new ResqueKeys(ns)) { }

    public ResqueKeys Resque { get; } = keys;
    public string Namespace => Resque.Namespace;

    private string K(string rest) => Namespace + ":" + rest;

    /// <summary>ZSET of the seconds that have a bucket; member and score are both the Unix time.</summary>
    public string Schedule => K(KeyNames.DelayedSchedule);
    /// <summary>The bucket's name as the reverse index stores it: "delayed:TS", without the namespace.</summary>
    public static string BucketName(long at) => KeyNames.DelayedBucket + at.ToString(System.Globalization.CultureInfo.InvariantCulture);
    /// <summary>LIST of the encoded jobs due at second <paramref name="at"/>, oldest first.</summary>
    public string Bucket(long at) => K(BucketName(at));
    /// <summary>The bucket of a second as the schedule's member text holds it.</summary>
    public string Bucket(RedisValue member) => K(KeyNames.DelayedBucket + member);
    /// <summary>SET of the bucket names that hold this exact encoded job (the reverse index).</summary>
    public string Timestamps(string encodedJob) => K(KeyNames.Timestamps + encodedJob);
    /// <summary>HASH of schedule name → the last recurring enqueue, in Ruby's Time#to_s format.</summary>
    public string LastEnqueuedAt => K(KeyNames.LastEnqueuedAt);
    /// <summary>HASH of schedule name → config JSON (resque-scheduler's dynamic schedules; resque-web's Schedule tab).</summary>
    public string PersistentSchedules => K(KeyNames.PersistentSchedules);
    /// <summary>SET of schedule names changed since a Ruby scheduler last loaded them.</summary>
    public string SchedulesChanged => K(KeyNames.SchedulesChanged);

    /// <summary>
    /// resque-scheduler's master lock, physically: Ruby builds the string "NS:[PREFIX:]resque_scheduler_master_lock"
    /// and passes it to its namespaced client, which prefixes NS again (redis-namespace namespaces
    /// the KEYS of EVALSHA, SETNX, GET, EXPIRE and DEL alike). Holding the same key keeps a Ruby
    /// scheduler and Pool's from running at once.
    /// </summary>
    public string MasterLock(string? prefix = null) =>
        K(Namespace + ":" + (string.IsNullOrEmpty(prefix) ? "" : prefix + ":") + KeyNames.SchedulerMasterLock);

    // Pool's own.
    /// <summary>Pub/sub channel Pool's delayed pushes publish the due second on, so the leader re-plans at once.</summary>
    public string Wake => K(KeyNames.SchedulerWake);
    /// <summary>HASH of recurring entry name → the Unix second of the last occurrence that fired (exactly-once across leaders).</summary>
    public string LastFire => K(KeyNames.ScheduleLastFire);
    /// <summary>HASH of recurring entry name → the config JSON Pool wrote into <see cref="PersistentSchedules"/>.</summary>
    public string SchedulePublished => K(KeyNames.SchedulePublished);
    /// <summary>HASH of a pending delayed retry (Ruby's encoding) → its counter key, which its move puts in the queued payload.</summary>
    public string RetryPending => K(KeyNames.RetryPending);
    /// <summary>resque-retry's counter for a logical counter key (Retries/RetryKeys), and its suppressed failure.</summary>
    public string Retry(string counterKey) => K(counterKey);
    public string RetryFailure(string counterKey) => K(KeyNames.RetryFailure + counterKey);
    public string StatRetried => K(KeyNames.StatRetried);
}
