using Pool.Protocol.Connection;
using Pool.Protocol.Keys;
using Pool.Protocol.Working;
using StackExchange.Redis;

namespace Pool.Worker.Running;

/// <summary>
/// Idle wait: BLPOP on this worker's mailbox, then the wake lists of its queues (plus the "*"
/// list), with the poll interval as timeout. A Pool enqueue that finds this worker idle reserves
/// a job for it and pushes the reservation into the mailbox, so the wait itself delivers the job.
/// It runs on its own multiplexer because BLPOP holds the connection for the whole wait; the
/// main multiplexer stays free for leases and the job's ack.
/// A handed-over job was reserved by the producer's enqueue, which this worker did not see
/// confirmed; it starts only once <paramref name="confirmation"/>'s replicas hold the pop (and so
/// the enqueue before it). Unconfirmed, the wait throws and is retried, and the next reserve
/// hands the job back if it survived a failover.
/// </summary>
internal sealed class WakeWaiter(IConnectionMultiplexer blocking, ResqueKeys keys, string workerId, IReadOnlyList<string> queues, TimeSpan timeout, ReplicaConfirmation confirmation) : IWakeWaiter
{
    private readonly object[] _args = BuildArgs(keys, workerId, queues, timeout);
    private readonly string _mailbox = keys.Mailbox(workerId);

    /// <summary>The job handed to this worker, or null after a wake token or the timeout.</summary>
    public async Task<Reservation?> WaitAsync()
    {
        var db = blocking.GetDatabase();
        var r = await db.ExecuteAsync("BLPOP", _args).ConfigureAwait(false);
        if (r.IsNull) return null;
        var popped = (RedisResult[])r!;
        if ((string?)popped[0] != _mailbox) return null;
        await confirmation.ConfirmAsync(db).ConfigureAwait(false);
        return ParseHandOff((string)popped[1]!);
    }

    /// <summary>A mailbox entry is "rid\nqueue\npayload"; the payload may hold newlines of its own.</summary>
    internal static Reservation? ParseHandOff(string entry)
    {
        var first = entry.IndexOf('\n');
        var second = first < 0 ? -1 : entry.IndexOf('\n', first + 1);
        if (second < 0) return null;
        return new Reservation(entry[..first], entry[(first + 1)..second], entry[(second + 1)..]);
    }

    private static object[] BuildArgs(ResqueKeys keys, string workerId, IReadOnlyList<string> queues, TimeSpan timeout)
    {
        var list = new List<object> { keys.Mailbox(workerId) };
        foreach (var q in queues) list.Add(q == "*" ? keys.WakeAny : keys.Wake(q));
        list.Add(timeout.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture));
        return [.. list.Distinct()];
    }
}
