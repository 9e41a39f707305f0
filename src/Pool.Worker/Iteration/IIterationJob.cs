namespace Pool.Worker.Iteration;

/// <summary>The worker's handle on an <see cref="IterationJob{TItem,TCursor}"/> without knowing its type arguments.</summary>
internal interface IIterationJob
{
    /// <summary>Runs the enumeration Perform returned (itself, or the completed Task of it that PerformAsync returned). <paramref name="abort"/> fires when the item in flight must stop too (time limit, INT, TERM deadline).</summary>
    Task RunAsync(object? enumeration, IterationContext context, CancellationToken abort);
}
