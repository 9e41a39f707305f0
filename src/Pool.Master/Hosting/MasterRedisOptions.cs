using Pool.Protocol.Connection;
using StackExchange.Redis;

namespace Pool.Master.Hosting;

/// <summary>The options every connection of a running master starts from (its store, capacity sampler, scheduler, HTTP server).</summary>
internal static class MasterRedisOptions
{
    /// <summary>
    /// <paramref name="url"/>'s options, connecting in the background while Redis is down (the
    /// master never waits for Redis to supervise), with replies completed on the .NET thread
    /// pool. StackExchange.Redis's default socket manager keeps 10 threads of its own, which woke
    /// about 27 times a second on an idle master (of its 130), each a chance to delay a worker
    /// that an idle pool's next job wakes on the same 2 cores. The master blocks no pool thread,
    /// which is what the dedicated threads guard against.
    /// </summary>
    public static ConfigurationOptions For(string url)
    {
        var options = RedisUrl.Parse(url);
        options.AbortOnConnectFail = false;
        options.SocketManager = SocketManager.ThreadPool;
        return options;
    }
}
