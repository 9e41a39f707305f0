using Pool.Protocol.Connection;
using Pool.Protocol.Keys;
using Pool.Protocol.Working;

namespace Pool.Worker.Running;

/// <summary>
/// Idle wait: BLPOP on this worker's mailbox, then the wake lists of its queues (plus the "*"
/// list), with the poll interval as timeout. A Pool enqueue that finds this worker idle reserves
/// a job for it and pushes the reservation into the mailbox, so the wait itself delivers the job.
/// It runs on a connection of its own because BLPOP holds the connection for the whole wait; the
/// main multiplexer stays free for leases and the job's ack.
/// A handed-over job was reserved by the producer's enqueue, which this worker did not see
/// confirmed; it starts only once the replicas REDIS_URL asks for hold the pop (and so
/// the enqueue before it). Unconfirmed, the wait throws and is retried, and the next reserve
/// hands the job back if it survived a failover.
/// </summary>
internal sealed class WakeWaiter(IBlockingPop blocking, ResqueKeys keys, string workerId, IReadOnlyList<string> queues, TimeSpan timeout) : IWakeWaiter
{
    private readonly string[] _keys = WaitKeys(keys, workerId, queues);
    private readonly string _mailbox = keys.Mailbox(workerId);

    /// <summary>The job handed to this worker, or null after a wake token or the timeout.</summary>
    public async Task<Reservation?> WaitAsync()
    {
        if (await blocking.LeftPopAsync(_keys, timeout).ConfigureAwait(false) is not { } popped || popped.Key != _mailbox) return null;
        await blocking.ConfirmAsync().ConfigureAwait(false);
        return ParseHandOff(popped.Value);
    }

    /// <summary>A mailbox entry is "rid\nqueue\npayload"; the payload may hold newlines of its own.</summary>
    internal static Reservation? ParseHandOff(string entry)
    {
        var first = entry.IndexOf('\n');
        var second = first < 0 ? -1 : entry.IndexOf('\n', first + 1);
        if (second < 0) return null;
        return new Reservation(entry[..first], entry[(first + 1)..second], entry[(second + 1)..]);
    }

    /// <summary>The mailbox first, then the wake list of each queue ("*" and patterns: the one for any queue).</summary>
    private static string[] WaitKeys(ResqueKeys keys, string workerId, IReadOnlyList<string> queues) =>
        [.. queues.Select(q => QueuePattern.IsDynamic(q) ? keys.WakeAny : keys.Wake(q)).Prepend(keys.Mailbox(workerId)).Distinct()];
}
