namespace Pool.Worker.Running;

public enum JobOutcomeKind { Completed, Requeue, Failed }

/// <summary>How a job ended, and for a failure, what goes into resque:failed.</summary>
public sealed record JobOutcome(JobOutcomeKind Kind, string Reason, string? Exception = null, string? Error = null, IReadOnlyList<string>? Backtrace = null)
{
    public static readonly JobOutcome Completed = new(JobOutcomeKind.Completed, "completed");

    public static JobOutcome Requeue(string reason) => new(JobOutcomeKind.Requeue, reason);

    public static JobOutcome Fail(string exception, string error, IReadOnlyList<string>? backtrace = null) =>
        new(JobOutcomeKind.Failed, "failed", exception, error, backtrace ?? []);

    public static JobOutcome Fail(Exception e) =>
        Fail(e.GetType().FullName ?? e.GetType().Name, e.Message,
            (e.StackTrace ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
