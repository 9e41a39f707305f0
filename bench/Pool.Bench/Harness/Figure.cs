namespace Pool.Bench.Harness;

/// <summary>One measured number. Name is stable: the --json file and the README table use it.</summary>
public sealed record Figure(string Name, double Value, string Unit, string Description);

/// <summary>The median of several runs of one figure, with the spread so noise is visible.</summary>
public sealed record Summary(string Name, double Median, double Min, double Max, int Runs, string Unit, string Description);
