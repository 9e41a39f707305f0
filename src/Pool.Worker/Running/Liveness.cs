using Pool.Protocol.Recovery;
using Pool.Protocol.Working;
using Serilog;

namespace Pool.Worker.Running;

/// <summary>
/// Keeps the worker visibly alive: the Pool lease every second (skipped when a reserve just
/// renewed it), Resque's heartbeat every 60 s, and a sweep of dead Pool workers every 30 s (once
/// Redis has been steady for a lease, see <see cref="SweepGate"/>) so their jobs come back even
/// when no master is watching. A renewal that finds the worker swept fires the running job's
/// token and registers again. Every second it also restores a registration a Ruby worker
/// pruned from Resque's registry.
/// </summary>
internal sealed class Liveness(IWorkerStore store, IMasterStore sweeper, RedisGuard redis, WorkerControl control, TimeProvider time, ILogger log)
{
    public static readonly TimeSpan LeasePeriod = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan ResqueHeartbeatPeriod = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan SweepPeriod = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan RenewedRecently = TimeSpan.FromSeconds(2);

    /// <summary>Whether this one sweeps for dead workers; of a process's lanes, only the first does.</summary>
    public bool Sweeps { get; init; } = true;

    public async Task RunAsync(CancellationToken stop)
    {
        var lastHeartbeat = time.GetTimestamp();
        var lastSweep = time.GetTimestamp();
        try
        {
            while (!stop.IsCancellationRequested)
            {
                await Task.Delay(LeasePeriod, time, stop).ConfigureAwait(false);
                var beat = time.GetElapsedTime(lastHeartbeat) >= ResqueHeartbeatPeriod;
                // An idle worker's reserve (every poll interval) renews the lease already; it only
                // checks that no Ruby worker pruned it from Resque's registry (heartbeat.lua restores it).
                if (!beat && time.GetElapsedTime(store.LeaseRenewedAt) < RenewedRecently
                    && await redis.RunAsync("registry check", store.IsInResqueRegistryAsync, stop).ConfigureAwait(false)) continue;
                var alive = await redis.RunAsync("heartbeat", () => store.HeartbeatAsync(beat), stop).ConfigureAwait(false);
                if (beat) lastHeartbeat = time.GetTimestamp();
                if (!alive)
                {
                    // Swept while alive (a stall or an outage past the lease, with no master to
                    // vouch for it): its job was requeued and may already run elsewhere, so the
                    // copy here is told to stop and is neither acked nor requeued. Then come back.
                    var hadJob = control.LoseReservation();
                    log.Warning("This worker's registration was gone from Redis (swept as dead while alive after a silence past its {Lease} s lease, or Redis lost its data){Job:l}; registering again",
                        store.Lease.TotalSeconds, hadJob ? ": its running job was requeued by the sweep or lost with the data, so its token is cancelled here" : "");
                    await redis.RunAsync("register", store.RegisterAsync, stop).ConfigureAwait(false);
                }
                if (Sweeps && time.GetElapsedTime(lastSweep) >= SweepPeriod)
                {
                    lastSweep = time.GetTimestamp();
                    await SweepAsync(stop).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopping: the worker unregisters next.
        }
    }

    public async Task SweepAsync(CancellationToken stop)
    {
        try
        {
            var n = await sweeper.RecoverExpiredAsync(stop).ConfigureAwait(false);
            if (n > 0) log.Information("Recovered the jobs of {Count} dead worker(s) whose lease expired", n);
        }
        catch (Exception e) when (RedisGuard.IsOutage(e))
        {
            // The next sweep will do; an outage is logged by the main loop.
        }
    }
}
