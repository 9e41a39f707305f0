namespace Pool.Master.Stores;

/// <summary>
/// StackExchange.Redis does not always report a dropped connection as a RedisException: a
/// command in flight when its connection is torn down (a stalled Redis past the timeout) can
/// fail with the InvalidOperationException of its pipe reader ("Reading is not allowed after
/// reader was completed"). For a page that is Redis being unreachable, not a bug of ours.
/// </summary>
internal static class RedisClientFault
{
    public static bool Is(Exception e) =>
        e is InvalidOperationException && e.StackTrace is { } trace
        && (trace.Contains("StackExchange.Redis.", StringComparison.Ordinal) || trace.Contains("System.IO.Pipelines.", StringComparison.Ordinal));
}
