namespace Pool.Worker.Jobs;

/// <summary>The payload's args do not fit the job's Perform parameters.</summary>
public sealed class JobArgumentException(string message) : Exception(message);
