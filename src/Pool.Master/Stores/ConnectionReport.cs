using Pool.Protocol.Recovery;
using Serilog;

namespace Pool.Master.Stores;

/// <summary>
/// Says so when Redis does not answer the master, at start or later. The store connects and
/// reconnects in the background (supervision never waits for Redis), so a wrong port, a Redis
/// still starting or one that went away was silent until some side task timed out seconds later,
/// in the client's words. This looks once a second, warns once in Pool's words when the
/// connection is missing, and says when it is back. It only logs through the side log, which is
/// closed before the master's exit line.
/// </summary>
internal static class ConnectionReport
{
    /// <summary>How often the connection is looked at: a healthy local Redis answers in milliseconds.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(1);

    /// <summary>How long a PING may take before Redis counts as not answering: far above a loaded machine's worst, far below a hang.</summary>
    public static readonly TimeSpan PingPatience = TimeSpan.FromSeconds(3);

    /// <summary>Connected, and a PING answered within <see cref="PingPatience"/>: a Redis that hangs (SIGSTOP, CLIENT PAUSE) keeps its connection open.</summary>
    public static async Task<bool> AnswersAsync(IMasterStore store, CancellationToken stop)
    {
        if (!store.IsConnected) return false;
        try
        {
            await store.PingAsync(stop).WaitAsync(PingPatience, stop).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException || !stop.IsCancellationRequested)
        {
            return false;
        }
    }

    public static async Task WatchAsync(Func<CancellationToken, Task<bool>> answers, string redactedUrl, ILogger log, CancellationToken stop)
    {
        var everConnected = false;
        var down = false;
        try
        {
            while (true)
            {
                await Task.Delay(Patience, stop).ConfigureAwait(false);
                var connected = await answers(stop).ConfigureAwait(false);
                if (connected == !down)
                {
                    everConnected |= connected;
                    continue;
                }
                down = !connected;
                if (down && !everConnected)
                    log.Warning("Redis at {Redis} is not answering; supervising anyway: workers wait for it and lose no job, and the recovery of crashed workers' jobs waits too. Check REDIS_URL if this lasts", redactedUrl);
                else if (down)
                    log.Warning("Redis at {Redis} stopped answering; workers retry and lose no job, and the recovery of crashed workers' jobs waits until it answers (the connection dropped, or a PING had no answer within {Seconds:0} s)", redactedUrl, PingPatience.TotalSeconds);
                else
                    log.Information(everConnected ? "Redis at {Redis} answers again" : "Redis at {Redis} answers now", redactedUrl);
                everConnected |= connected;
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The master is stopping: nothing more to say.
        }
    }
}
