using System.Diagnostics;

namespace Pool.Bench.Harness;

/// <summary>
/// Enqueue-to-start latency: the bench notes the wall clock, enqueues a Stamp job, and the job
/// appends the wall clock at which it started (microseconds since the epoch) to a file. The
/// difference is the latency; how fast the bench notices the line does not count.
/// </summary>
public static class LatencySampler
{
    /// <summary>
    /// Samples per peer. A p99 of 200 samples is the second-worst one, which moved by 2x from run
    /// to run; 1,000 make it the tenth-worst.
    /// </summary>
    public const int Samples = 1000;

    /// <summary>The pause after each sample, so the pool is idle again when the next job comes.</summary>
    private static readonly TimeSpan Gap = TimeSpan.FromMilliseconds(20);

    public static async Task<(double P50, double P99)> MeasureAsync(Func<string, Task> enqueueStamp, string scratch, int samples, CancellationToken ct) =>
        (await MeasureAlternatelyAsync([enqueueStamp], scratch, samples, ct).ConfigureAwait(false))[0];

    /// <summary>
    /// Samples several systems in turn, one job each per round: each system's figures then come
    /// from the same seconds of the same machine. On a shared VM whose hiccups come and go, a p99
    /// measured a minute apart moved by 2x from run to run, more than the systems differ.
    /// </summary>
    public static async Task<IReadOnlyList<(double P50, double P99)>> MeasureAlternatelyAsync(IReadOnlyList<Func<string, Task>> enqueueStamps, string scratch, int samples, CancellationToken ct)
    {
        var paths = enqueueStamps.Select(_ => Path.Combine(scratch, $"stamps-{Guid.NewGuid():N}.txt")).ToList();
        foreach (var path in paths) File.WriteAllText(path, "");
        var latencies = enqueueStamps.Select(_ => new List<double>(samples)).ToList();
        for (var i = 0; i < samples; i++)
        {
            for (var peer = 0; peer < enqueueStamps.Count; peer++)
            {
                var sent = NowMicros();
                await enqueueStamps[peer](paths[peer]).ConfigureAwait(false);
                var line = await WaitForLineAsync(paths[peer], i, ct).ConfigureAwait(false);
                latencies[peer].Add((long.Parse(line, System.Globalization.CultureInfo.InvariantCulture) - sent) / 1000.0);
                await Task.Delay(Gap, ct).ConfigureAwait(false);
            }
        }
        return latencies.Select(l =>
        {
            l.Sort();
            return (Percentile(l, 0.50), Percentile(l, 0.99));
        }).ToList();
    }

    public static long NowMicros() => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / 10;

    private static async Task<string> WaitForLineAsync(string path, int index, CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            var lines = File.ReadAllLines(path);
            if (lines.Length > index && lines[index].Length > 0) return lines[index];
            if (sw.Elapsed > TimeSpan.FromSeconds(10)) throw new TimeoutException($"job {index} did not start within 10 s");
            // The stamp in the file is the measurement, so how soon the line is seen does not
            // count; polling every 5 ms rather than every 1 ms keeps the bench from competing
            // for the 2 cores with the process it measures.
            await Task.Delay(5, ct).ConfigureAwait(false);
        }
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}
