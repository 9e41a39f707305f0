namespace Pool.Bench.Harness;

/// <summary>
/// Runs each scenario several times and keeps the median of every figure: these machines are
/// noisy, and one run proves little. The runs go round the scenarios (the first run of each,
/// then the second of each...), so a Pool scenario and the peer's it is compared with are
/// measured minutes apart, not a whole series apart, through the same spells of machine noise.
/// A scenario that throws is reported and skipped; the others still run.
/// </summary>
public static class Runner
{
    public static async Task<List<Summary>> RunAsync(IEnumerable<IScenario> scenarios, BenchContext context, int runs, CancellationToken ct)
    {
        var samples = scenarios.Select(s => (Scenario: s, Figures: new List<Figure>())).ToList();
        for (var run = 1; run <= runs; run++)
        {
            foreach (var (scenario, figures) in samples)
            {
                Console.Error.WriteLine($"[bench] {scenario.Id}: run {run}/{runs}");
                try
                {
                    figures.AddRange(await scenario.RunAsync(context, ct).ConfigureAwait(false));
                }
                catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    Console.Error.WriteLine($"[bench] {scenario.Id}: run {run} failed: {e.GetType().Name}: {e.Message}");
                }
            }
        }
        return samples.SelectMany(s => s.Figures.GroupBy(f => f.Name).Select(Summarise)).ToList();
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
