using System.Diagnostics;
using StackExchange.Redis;

namespace Pool.Bench.Harness;

/// <summary>
/// Times a drain the way throughput is compared with peers: from the first job started to the
/// last job done, so neither the producer's enqueue nor a process's start-up is in the window.
/// The jobs are all in the queue before the clock can start, either because the workers start
/// after the queue was filled (fresh workers) or because a staged list is renamed onto the queue
/// in one step (<see cref="ReleaseAsync"/>, running workers). "Started" is the first time the
/// queue is seen shorter than it was filled; both ends are polled every millisecond, so each is
/// off by about a millisecond, the same for Pool and the peer.
/// </summary>
public static class DrainClock
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(1);

    /// <summary>Where jobs wait before <see cref="ReleaseAsync"/> moves them onto their queue at once.</summary>
    public static string StagingKey(string queueKey) => queueKey + ":staged";

    /// <summary>Pushes <paramref name="payloads"/> onto <paramref name="key"/> (RPUSH, pipelined in chunks of 1,000).</summary>
    public static async Task FillAsync(IDatabase db, string key, IReadOnlyList<string> payloads)
    {
        var pushes = new List<Task>();
        for (var i = 0; i < payloads.Count; i += 1000)
        {
            var chunk = payloads.Skip(i).Take(1000).Select(p => (RedisValue)p).ToArray();
            pushes.Add(db.ListRightPushAsync(key, chunk));
        }
        await Task.WhenAll(pushes).ConfigureAwait(false);
    }

    /// <summary>
    /// Renames the staged list onto the queue in one transaction, with <paramref name="alsoInTransaction"/>
    /// (Pool's wake tokens, which its own producer pushes with every batch; Sidekiq's BRPOP is woken
    /// by the rename itself).
    /// </summary>
    public static async Task ReleaseAsync(IDatabase db, string queueKey, Action<ITransaction>? alsoInTransaction = null)
    {
        var tx = db.CreateTransaction();
        _ = tx.KeyRenameAsync(StagingKey(queueKey), queueKey);
        alsoInTransaction?.Invoke(tx);
        if (!await tx.ExecuteAsync().ConfigureAwait(false)) throw new InvalidOperationException("the release transaction was not applied");
    }

    /// <summary>
    /// Waits until the queue, filled with <paramref name="jobs"/>, is first seen shorter, then
    /// until <paramref name="done"/>; returns the time between the two.
    /// </summary>
    public static async Task<TimeSpan> TimeAsync(IDatabase db, string queueKey, long jobs, Func<Task<bool>> done, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (await db.ListLengthAsync(queueKey).ConfigureAwait(false) >= jobs)
        {
            if (deadline.Elapsed > timeout) throw new TimeoutException($"no job of {queueKey} started within {timeout}");
            await Task.Delay(Poll).ConfigureAwait(false);
        }
        var drain = Stopwatch.StartNew();
        while (!await done().ConfigureAwait(false))
        {
            if (deadline.Elapsed > timeout) throw new TimeoutException($"{queueKey} was not drained within {timeout}");
            await Task.Delay(Poll).ConfigureAwait(false);
        }
        return drain.Elapsed;
    }
}
