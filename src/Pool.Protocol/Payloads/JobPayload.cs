using System.Text.Json;

namespace Pool.Protocol.Payloads;

/// <summary>
/// A job as it sits in a queue. <see cref="Raw"/> is the exact string from Redis and is what
/// Pool writes back when it requeues or fails the job, so fields Pool does not know survive.
/// </summary>
/// <param name="Raw">The payload text exactly as stored.</param>
/// <param name="Class">The job class name.</param>
/// <param name="Args">The "args" array (an empty array when absent).</param>
/// <param name="Attempts">Pool's "pool_attempts" count: how many workers died running it.</param>
public sealed record JobPayload(string Raw, string Class, JsonElement Args, int Attempts)
{
    /// <summary>The extra field Pool adds to count worker deaths; Resque ignores unknown fields.</summary>
    public const string AttemptsField = "pool_attempts";

    /// <summary>An iteration job's checkpoint (cursor and counters); the worker reads it to resume.</summary>
    public const string IterationField = "pool_iteration";

    /// <summary>A retry's resque-retry counter key, which Pool's scripts add to the queued retry.</summary>
    internal const string RetryField = "pool_retry";

    /// <summary>
    /// The resque-retry counter key ("resque-retry:...") when this job is a retry Pool scheduled,
    /// else null: the worker's ack deletes it when the job succeeds, as resque-retry does.
    /// </summary>
    internal string? RetryCounter { get; init; }
}
