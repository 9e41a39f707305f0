using Pool.Protocol.Keys;
using Pool.Protocol.Scripts;
using StackExchange.Redis;

namespace Pool.Protocol.Admin;

/// <summary>
/// The two pause switches. The global one is Resque's own NS:pause-all-workers, honoured by Ruby
/// workers as well; the per-queue one is Pool's NS:pool:paused-queues set, which only Pool's
/// reserve script reads (Ruby workers ignore it). A resume also pushes wake tokens for the jobs
/// that wait, as an enqueue does, so idle Pool workers start them at once instead of at their
/// fallback poll (POOL_POLL_INTERVAL).
/// </summary>
public sealed class PauseControl(IDatabaseAsync db, ResqueKeys keys)
{
    public async Task<PauseState> PauseAllAsync()
    {
        await db.StringSetAsync(keys.PauseAll, "true").ConfigureAwait(false);
        return await ReadAsync().ConfigureAwait(false);
    }

    public async Task<PauseState> ResumeAllAsync()
    {
        await ResumeAsync([]).ConfigureAwait(false);
        return await ReadAsync().ConfigureAwait(false);
    }

    public async Task<PauseState> PauseQueuesAsync(IEnumerable<string> queues)
    {
        await db.SetAddAsync(keys.PausedQueues, ToValues(queues)).ConfigureAwait(false);
        return await ReadAsync().ConfigureAwait(false);
    }

    /// <summary>Takes the queues off the paused set; unless the global flag is set, wakes workers for their jobs.</summary>
    public async Task<PauseState> ResumeQueuesAsync(IEnumerable<string> queues)
    {
        await ResumeAsync(ToValues(queues)).ConfigureAwait(false);
        return await ReadAsync().ConfigureAwait(false);
    }

    public async Task<PauseState> ReadAsync()
    {
        var all = db.StringGetOrNullAsync(keys.PauseAll);
        var queues = db.SetMembersAsync(keys.PausedQueues);
        await Task.WhenAll(all, queues).ConfigureAwait(false);
        return new PauseState(all.Result == "true", queues.Result.Select(v => (string)v!).Order(StringComparer.Ordinal).ToList());
    }

    /// <summary>No queues means the global flag. One script ends the pause and wakes workers for what is queued at that instant.</summary>
    private Task<RedisResult> ResumeAsync(RedisValue[] queues) =>
        ScriptRunner.RunAsync(db, PoolScripts.Resume, [keys.Namespace, PoolScripts.WakeBound, .. queues]);

    private static RedisValue[] ToValues(IEnumerable<string> queues)
    {
        var values = queues.Select(q => q.Trim()).Where(q => q.Length > 0).Distinct().Select(q => (RedisValue)q).ToArray();
        if (values.Length == 0) throw new ArgumentException("no queue named; pass a comma-separated list such as high,low");
        return values;
    }
}
