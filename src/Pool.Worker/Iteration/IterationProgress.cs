namespace Pool.Worker.Iteration;

/// <summary>What the callbacks of an iteration job are told.</summary>
/// <param name="JobClass">The payload's class.</param>
/// <param name="Cursor">The cursor's JSON text (null before the first item), as saved in the payload.</param>
/// <param name="Interruptions">Times the job was interrupted, including this interruption when there is one.</param>
/// <param name="RunTime">Total iteration time over every run so far.</param>
/// <param name="ItemsThisRun">Items done by this run (this worker, this slice).</param>
public sealed record IterationProgress(string JobClass, string? Cursor, int Interruptions, TimeSpan RunTime, long ItemsThisRun);
