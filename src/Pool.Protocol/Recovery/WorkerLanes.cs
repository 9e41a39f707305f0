namespace Pool.Protocol.Recovery;

/// <summary>
/// Worker ids of the lanes of a worker process that runs several jobs at once (a group's
/// <c>concurrency</c>). Every lane is a whole Pool worker in Redis: its own Resque registration
/// (worker:ID, the job resque-web shows), its own in-flight record, lease, idle registration and
/// mailbox, so every script and every recovery works on a lane exactly as on a one-job worker.
/// The id keeps Resque's host:pid:queues shape and marks the lane in the host part
/// ("web1~2:4242:default"), because Ruby reads the other two parts:
/// <list type="bullet">
/// <item>queues: Resque's Worker.find splits the id at the first two colons, so a suffix after
/// the queue list would show up as a queue name, and break resque-web's queue column.</item>
/// <item>pid: a Ruby worker starting on the host prunes every registration whose pid is not a
/// Resque process in ps, and records a running job of it as a DirtyExit failure; the pid stays the
/// process's real pid.</item>
/// </list>
/// A host with "~" matches no real host name (it is not allowed in one), so a Ruby worker never
/// prunes a lane by pid; Pool recovers dead lanes itself (master at once, the lease sweep for a
/// dead host). "~" is also safe in resque-web's /workers/ID links.
/// </summary>
public static class WorkerLanes
{
    /// <summary>The most jobs one worker process runs at once; each lane holds a Redis connection of its own for its idle wait.</summary>
    public const int MaxConcurrency = 100;

    public const string Separator = "~";

    public static string Id(string host, int pid, string queueList, int lane) =>
        lane == 0 ? WorkerIdentity.For(host, pid, queueList) : WorkerIdentity.For($"{host}{Separator}{lane}", pid, queueList);

    /// <summary>The machine's name in a worker id's host part: "web1~2" (lane 2) is on "web1".</summary>
    public static string MachineOf(string host)
    {
        var at = host.IndexOf(Separator, StringComparison.Ordinal);
        return at < 0 ? host : host[..at];
    }
}
