namespace Pool.Bench.Harness;

/// <summary>
/// Runs each scenario several times and keeps the median of every figure: these machines are
/// noisy, and one run proves little. A scenario that throws is reported and skipped; the
/// others still run.
/// </summary>
public static class Runner
{
    public static async Task<List<Summary>> RunAsync(IEnumerable<IScenario> scenarios, BenchContext context, int runs, CancellationToken ct)
    {
        var summaries = new List<Summary>();
        foreach (var scenario in scenarios)
        {
            var samples = new List<Figure>();
            for (var run = 1; run <= runs; run++)
            {
                Console.Error.WriteLine($"[bench] {scenario.Id}: run {run}/{runs}");
                try
                {
                    samples.AddRange(await scenario.RunAsync(context, ct).ConfigureAwait(false));
                }
                catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    Console.Error.WriteLine($"[bench] {scenario.Id}: run {run} failed: {e.GetType().Name}: {e.Message}");
                }
            }
            summaries.AddRange(samples.GroupBy(f => f.Name).Select(Summarise));
        }
        return summaries;
    }

    private static Summary Summarise(IGrouping<string, Figure> group)
    {
        var values = group.Select(f => f.Value).Order().ToArray();
        var median = values.Length % 2 == 1
            ? values[values.Length / 2]
            : (values[values.Length / 2 - 1] + values[values.Length / 2]) / 2;
        var first = group.First();
        return new Summary(group.Key, median, values[0], values[^1], values.Length, first.Unit, first.Description);
    }
}
