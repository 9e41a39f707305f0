using Pool.Protocol.Producing;

namespace Pool.Protocol.Scheduling;

/// <summary>
/// Delayed enqueues on <see cref="Producer"/>: `producer.EnqueueInAsync(TimeSpan.FromMinutes(10), "mail", "SendDigest", 42)`.
/// See <see cref="DelayedQueue"/> for listing and for what "past" means.
/// </summary>
public static class ProducerScheduling
{
    public static DelayedQueue Delayed(this Producer producer) => new(producer.Database, new SchedulerKeys(producer.Keys));

    public static Task<DelayedJob> EnqueueAtAsync(this Producer producer, DateTimeOffset at, string queue, string jobClass, params object?[] args) =>
        producer.Delayed().EnqueueAtAsync(at, queue, jobClass, args);

    public static Task<DelayedJob> EnqueueInAsync(this Producer producer, TimeSpan delay, string queue, string jobClass, params object?[] args) =>
        producer.Delayed().EnqueueInAsync(delay, queue, jobClass, args);

    public static Task<DelayedJob> EnqueueAtAsync<TJob>(this Producer producer, DateTimeOffset at, string queue, params object?[] args) =>
        producer.Delayed().EnqueueAtAsync<TJob>(at, queue, args);

    public static Task<DelayedJob> EnqueueInAsync<TJob>(this Producer producer, TimeSpan delay, string queue, params object?[] args) =>
        producer.Delayed().EnqueueInAsync<TJob>(delay, queue, args);

    public static Task<long> RemoveDelayedAsync(this Producer producer, string queue, string jobClass, params object?[] args) =>
        producer.Delayed().RemoveDelayedAsync(queue, jobClass, args);

    public static Task<IReadOnlyList<DelayedEntry>> ListDelayedAsync(this Producer producer, int limit = 100) =>
        producer.Delayed().ListAsync(limit);
}
