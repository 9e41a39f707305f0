namespace Pool.Worker.Iteration;

/// <summary>An iteration job was interrupted more times than its MaxResumptions allows; it goes to the failed list as Pool::IterationLimit.</summary>
public sealed class IterationLimitException(string message) : Exception(message)
{
    public const string ResqueName = "Pool::IterationLimit";
}
