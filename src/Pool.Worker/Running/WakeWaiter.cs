using Pool.Protocol.Keys;
using StackExchange.Redis;

namespace Pool.Worker.Running;

/// <summary>
/// Idle wait: BLPOP on the wake lists of this worker's queues (plus the "*" list) with the poll
/// interval as timeout. It runs on its own multiplexer because BLPOP holds the connection for
/// the whole wait; the main multiplexer stays free for leases and the job's ack.
/// </summary>
internal sealed class WakeWaiter(IConnectionMultiplexer blocking, ResqueKeys keys, IReadOnlyList<string> queues, TimeSpan timeout)
{
    private readonly object[] _args = BuildArgs(keys, queues, timeout);

    /// <summary>True when a wake token arrived, false when the wait timed out.</summary>
    public async Task<bool> WaitAsync()
    {
        var r = await blocking.GetDatabase().ExecuteAsync("BLPOP", _args).ConfigureAwait(false);
        return !r.IsNull;
    }

    private static object[] BuildArgs(ResqueKeys keys, IReadOnlyList<string> queues, TimeSpan timeout)
    {
        var list = new List<object>();
        foreach (var q in queues) list.Add(q == "*" ? keys.WakeAny : keys.Wake(q));
        list.Add(timeout.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture));
        return [.. list.Distinct()];
    }
}
