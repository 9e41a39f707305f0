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

    public static async Task<(double P50, double P99)> MeasureAsync(Func<string, Task> enqueueStamp, string scratch, int samples, CancellationToken ct)
    {
        var path = Path.Combine(scratch, $"stamps-{Guid.NewGuid():N}.txt");
        File.WriteAllText(path, "");
        var latencies = new List<double>(samples);
        for (var i = 0; i < samples; i++)
        {
            var sent = NowMicros();
            await enqueueStamp(path).ConfigureAwait(false);
            var line = await WaitForLineAsync(path, i, ct).ConfigureAwait(false);
            latencies.Add((long.Parse(line, System.Globalization.CultureInfo.InvariantCulture) - sent) / 1000.0);
            await Task.Delay(20, ct).ConfigureAwait(false); // let the pool go idle again
        }
        latencies.Sort();
        return (Percentile(latencies, 0.50), Percentile(latencies, 0.99));
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
