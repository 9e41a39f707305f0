namespace Pool.Worker.Running;

public enum JobOutcomeKind { Completed, Requeue, Failed }

/// <summary>How a job ended, and for a failure, what goes into resque:failed.</summary>
/// <param name="Payload">When set (an iteration job's checkpoint), the payload to requeue or fail instead of the one reserved.</param>
/// <param name="RecycleWorker">The job could not be stopped (past its hard time limit): settle it, then let this worker process exit so a fresh one replaces it.</param>
public sealed record JobOutcome(JobOutcomeKind Kind, string Reason, string? Exception = null, string? Error = null,
    IReadOnlyList<string>? Backtrace = null, string? Payload = null, bool RecycleWorker = false)
{
    public const string TimeoutException = "Pool::JobTimeout";

    public static readonly JobOutcome Completed = new(JobOutcomeKind.Completed, "completed");

    public static JobOutcome Requeue(string reason, string? payload = null) => new(JobOutcomeKind.Requeue, reason, Payload: payload);

    public static JobOutcome Fail(string exception, string error, IReadOnlyList<string>? backtrace = null) =>
        new(JobOutcomeKind.Failed, "failed", exception, error, backtrace ?? []);

    public static JobOutcome Fail(Exception e) =>
        Fail(e.GetType().FullName ?? e.GetType().Name, e.Message,
            (e.StackTrace ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
