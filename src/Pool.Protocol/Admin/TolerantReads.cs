using StackExchange.Redis;

namespace Pool.Protocol.Admin;

/// <summary>
/// The reads behind `status`, the admin commands, the dashboard and the autoscaler's queue probe,
/// for keys another app may have left of the wrong type (a queue key holding a string, a counter
/// holding a hash). Such a key reads as empty instead of failing the whole view with WRONGTYPE:
/// `status` exited 1 and every dashboard page said Redis was down. The first worker, scheduler
/// or requeue that touches the key sets it aside with a failed entry that names it
/// (set_aside in common.lua).
/// </summary>
internal static class TolerantReads
{
    public static Task<long> ListLengthOrZeroAsync(this IDatabaseAsync db, RedisKey key) =>
        OrAsync(db.ListLengthAsync(key), 0L);

    public static Task<RedisValue[]> ListRangeOrEmptyAsync(this IDatabaseAsync db, RedisKey key, long start, long stop) =>
        OrAsync(db.ListRangeAsync(key, start, stop), []);

    public static Task<RedisValue> StringGetOrNullAsync(this IDatabaseAsync db, RedisKey key) =>
        OrAsync(db.StringGetAsync(key), RedisValue.Null);

    public static Task<RedisValue> ListGetByIndexOrNullAsync(this IDatabaseAsync db, RedisKey key, long index) =>
        OrAsync(db.ListGetByIndexAsync(key, index), RedisValue.Null);

    public static Task<long> ListPositionOrMissingAsync(this IDatabaseAsync db, RedisKey key, RedisValue element, long rank, long maxLength) =>
        OrAsync(db.ListPositionAsync(key, element, rank, maxLength), -1L);

    /// <summary>Any multi-value read (a sorted set's range, say) whose key may be of the wrong type.</summary>
    public static Task<RedisValue[]> OrEmptyAsync(this Task<RedisValue[]> read) => OrAsync(read, []);

    /// <summary>Any count (a sorted set's length, say) whose key may be of the wrong type.</summary>
    public static Task<long> OrZeroAsync(this Task<long> read) => OrAsync(read, 0L);

    public static bool IsWrongType(Exception e) => e is RedisServerException && e.Message.StartsWith("WRONGTYPE", StringComparison.Ordinal);

    private static async Task<T> OrAsync<T>(Task<T> read, T empty)
    {
        try
        {
            return await read.ConfigureAwait(false);
        }
        catch (RedisServerException e) when (IsWrongType(e))
        {
            return empty;
        }
    }
}
