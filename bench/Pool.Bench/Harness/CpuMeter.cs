using Pool.Testing;
using StackExchange.Redis;

namespace Pool.Bench.Harness;

/// <summary>
/// CPU time (user + system, from /proc) that a set of processes spends over an interval. Unlike
/// a rate, it hardly moves with the load of a shared machine, so CPU per job compares Pool and a
/// peer even when their wall-clock throughput is noisy.
/// </summary>
public sealed class CpuMeter
{
    private readonly IReadOnlyList<int> _pids;
    private readonly TimeSpan _start;

    private CpuMeter(IReadOnlyList<int> pids)
    {
        _pids = pids;
        _start = Total();
    }

    public static CpuMeter Start(IEnumerable<int> pids) => new(pids.ToList());

    /// <summary>CPU spent since <see cref="Start"/>; every process must still be running.</summary>
    public TimeSpan Spent => Total() - _start;

    private TimeSpan Total() => _pids.Aggregate(TimeSpan.Zero, (sum, pid) => sum + ProcFs.CpuTime(pid));

    /// <summary>The pid of the (local) Redis server behind <paramref name="db"/>.</summary>
    public static int RedisPid(IDatabase db) => (int)PoolProbe.InfoNumber(db, "server", "process_id");

    /// <summary>
    /// Waits until the processes use less than 5 % of a core over half a second (or until
    /// <paramref name="timeout"/>): a "warm" figure is the steady state of a long-running pool,
    /// so a .NET worker's background tier-1 JIT, which goes on for seconds after its first jobs,
    /// must be finished before it is timed.
    /// </summary>
    public static async Task WaitUntilIdleAsync(IEnumerable<int> pids, TimeSpan timeout)
    {
        var window = TimeSpan.FromMilliseconds(500);
        var list = pids.ToList();
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var meter = Start(list);
            await Task.Delay(window).ConfigureAwait(false);
            if (meter.Spent < window * 0.05) return;
        }
    }

    /// <summary>Microseconds per job.</summary>
    public static double PerJob(TimeSpan spent, int jobs) => spent.TotalMicroseconds / jobs;
}
