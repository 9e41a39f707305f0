using Serilog;

namespace Pool.Master.Supervision;

/// <summary>How each child ended during the master's shutdown, logged once the last one is gone.</summary>
internal sealed class DrainReport
{
    private readonly List<Entry> _entries = [];

    private sealed record Entry(int Pid, string Group, int Slot, TimeSpan StopTook, string Outcome);

    public void Add(Child child, DateTimeOffset exitedAt, string outcome)
    {
        var took = child.Stop is { } stop ? exitedAt - stop.RequestedAt : TimeSpan.Zero;
        _entries.Add(new Entry(child.Pid, child.Group.Key, child.SlotNumber, took, outcome));
    }

    public void AddUnreaped(Child child, DateTimeOffset now) => Add(child, now, "still alive after SIGKILL (given up)");

    public void Log(ILogger log, TimeSpan total)
    {
        log.Information("stage report: drained {Count} worker(s) in {TotalMs:0} ms", _entries.Count, total.TotalMilliseconds);
        foreach (var e in _entries)
        {
            // A standby (`standby: N`) never had a slot (-1).
            if (e.Slot < 0)
                log.Information("drain: standby worker {Pid} group {Group} stopped in {StopMs:0} ms: {Outcome}",
                    e.Pid, e.Group, e.StopTook.TotalMilliseconds, e.Outcome);
            else
                log.Information("drain: worker {Pid} group {Group} slot {Slot} stopped in {StopMs:0} ms: {Outcome}",
                    e.Pid, e.Group, e.Slot, e.StopTook.TotalMilliseconds, e.Outcome);
        }
    }
}
