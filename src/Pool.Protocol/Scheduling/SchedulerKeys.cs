using Pool.Protocol.Keys;

namespace Pool.Protocol.Scheduling;

/// <summary>
/// The keys of resque-scheduler 5 and resque-retry 1.8 (their exact names, so Ruby's
/// remove_delayed, resque-web's Delayed, Schedule and Retry tabs see Pool's data) and Pool's own
/// scheduling keys under NS:pool:*. Bucket names inside the reverse index carry no namespace:
/// Ruby SADDs the literal "delayed:TS".
/// </summary>
public sealed class SchedulerKeys(ResqueKeys keys)
{
    public SchedulerKeys(string? ns = null) : this(new ResqueKeys(ns)) { }

    public ResqueKeys Resque { get; } = keys;
    public string Namespace => Resque.Namespace;

    private string K(string rest) => Namespace + ":" + rest;

    /// <summary>ZSET of the seconds that have a bucket; member and score are both the Unix time.</summary>
    public string Schedule => K("delayed_queue_schedule");
    /// <summary>The bucket's name as the reverse index stores it: "delayed:TS", without the namespace.</summary>
    public static string BucketName(long at) => "delayed:" + at.ToString(System.Globalization.CultureInfo.InvariantCulture);
    /// <summary>LIST of the encoded jobs due at second <paramref name="at"/>, oldest first.</summary>
    public string Bucket(long at) => K(BucketName(at));
    /// <summary>SET of the bucket names that hold this exact encoded job (the reverse index).</summary>
    public string Timestamps(string encodedJob) => K("timestamps:" + encodedJob);
    /// <summary>HASH of schedule name → the last recurring enqueue, in Ruby's Time#to_s format.</summary>
    public string LastEnqueuedAt => K("delayed:last_enqueued_at");
    /// <summary>HASH of schedule name → config JSON: where resque-web's Schedule tab finds dynamic schedules.</summary>
    public string PersistentSchedules => K("persistent_schedules");
    /// <summary>SET of schedule names changed since the scheduler last loaded them.</summary>
    public string SchedulesChanged => K("schedules_changed");

    /// <summary>
    /// resque-scheduler's master lock, physically: Ruby builds the string "NS:[PREFIX:]resque_scheduler_master_lock"
    /// and passes it to its namespaced client, which prefixes NS again (redis-namespace namespaces
    /// the KEYS of EVALSHA, SETNX, GET, EXPIRE and DEL alike). Holding the same key keeps a Ruby
    /// scheduler and Pool's from running at once.
    /// </summary>
    public string MasterLock(string? prefix = null) =>
        K(Namespace + ":" + (string.IsNullOrEmpty(prefix) ? "" : prefix + ":") + "resque_scheduler_master_lock");

    // Pool's own.
    /// <summary>Pub/sub channel Pool's delayed pushes publish the due second on, so the leader re-plans at once.</summary>
    public string Wake => K("pool:scheduler:wake");
    /// <summary>HASH of recurring entry name → the Unix second of the last occurrence that fired (exactly-once across leaders).</summary>
    public string LastFire => K("pool:schedule:last-fire");
}
