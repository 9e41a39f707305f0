namespace Pool.Protocol.Retries;

/// <summary>
/// A job type's own retry rule, over its group's (pool.yml `retries`, `retry_delays`):
/// <c>[Retry(5, Delays = [10, 60, 600], On = [typeof(HttpRequestException)])]</c>.
/// Lives in Pool.Protocol beside [Job] so job assemblies need no reference to the worker.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = true)]
public sealed class RetryAttribute(int retries) : Attribute
{
    /// <summary>How many times a failed job runs again (0: never; negative: forever, as resque-retry's -1).</summary>
    public int Retries { get; } = retries;
    /// <summary>Seconds before each retry, the last one reused; empty: exponential backoff with jitter.</summary>
    public int[] Delays { get; init; } = [];
    /// <summary>Retry only these exception types (and their subtypes); empty: every exception but <see cref="Never"/>.</summary>
    public Type[] On { get; init; } = [];
    /// <summary>Never retry these exception types (and their subtypes).</summary>
    public Type[] Never { get; init; } = [];
}
