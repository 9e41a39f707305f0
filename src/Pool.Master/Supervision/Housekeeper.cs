using Pool.Master.Stores;
using Serilog;

namespace Pool.Master.Supervision;

/// <summary>Once a second: end crash-loop states of healthy slots, recycle workers over their memory limit, renew the children's leases, sweep leases.</summary>
internal sealed class Housekeeper(SlotTable table, MemoryRecycler memory, GuardedStore store, SupervisorOptions options, ILogger log)
{
    private DateTimeOffset _nextLeaseSweep = DateTimeOffset.MinValue;

    public void Run(DateTimeOffset now)
    {
        foreach (var slot in table.Slots)
        {
            if (slot.Child is { } child && slot.Backoff.CheckHealthy())
                log.Information("slot {Group}/{Slot} healthy again, backoff reset (worker {Pid} up {UptimeMs:0} ms)",
                    slot.Group.Group.Key, slot.Number, child.Pid, (now - child.StartedAt).TotalMilliseconds);
        }
        foreach (var place in table.Groups.SelectMany(g => g.Standbys))
        {
            if (place.Child is { } child && place.Backoff.CheckHealthy())
                log.Information("standby of {Group} healthy again, backoff reset (worker {Pid} up {UptimeMs:0} ms)",
                    place.Group.Group.Key, child.Pid, (now - child.StartedAt).TotalMilliseconds);
        }
        memory.Check(now);
        // The master sees a child die at once; until then it vouches for it, so a child that is
        // only silent (SIGSTOP, a GC pause) is never swept and its job never run twice at once.
        store.VouchFor(table.Children.SelectMany(c => c.WorkerIds).ToList());
        if (now >= _nextLeaseSweep)
        {
            _nextLeaseSweep = now + options.LeaseSweepInterval;
            store.SweepExpiredLeases();
        }
    }
}
