namespace Pool.Bench.Harness;

/// <summary>A benchmark scenario: it sets up, measures and tears down; it never asserts.</summary>
public interface IScenario
{
    /// <summary>Short stable id used by --only and as the prefix of its figures.</summary>
    string Id { get; }

    Task<IReadOnlyList<Figure>> RunAsync(BenchContext context, CancellationToken ct);
}
