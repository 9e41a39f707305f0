using Serilog;

namespace Pool.Worker.Iteration;

/// <summary>
/// What the worker gives an iteration run, and what it reads back. The run (on the job's thread)
/// writes <see cref="CurrentPayload"/> after every item and <see cref="Interruption"/> when it
/// stops early; the worker reads them after the run ends or is abandoned, hence volatile.
/// </summary>
internal sealed class IterationContext(
    string jobClass,
    string payload,
    TimeProvider time,
    CancellationToken stop,
    Func<string> stopReason,
    Func<string, Task> persist,
    ILogger log)
{
    private volatile string _currentPayload = payload;
    private volatile string? _interruption;

    public string JobClass { get; } = jobClass;
    public string OriginalPayload { get; } = payload;
    public IterationState Start { get; } = IterationState.Read(payload);
    public TimeProvider Time { get; } = time;

    /// <summary>Fires on TERM and USR1: stop between items and requeue with the cursor.</summary>
    public CancellationToken Stop { get; } = stop;

    /// <summary>Why <see cref="Stop"/> fired, for the log and the requeue reason.</summary>
    public string StopReason => stopReason();

    public ILogger Log { get; } = log;

    /// <summary>The payload with the cursor after the last finished item: what a requeue or a failure writes back.</summary>
    public string CurrentPayload => _currentPayload;

    /// <summary>Set when the run stopped between items and wants a requeue; null when it finished.</summary>
    public string? Interruption => _interruption;

    public void Advance(string payloadWithCursor) => _currentPayload = payloadWithCursor;

    /// <summary>Writes the checkpoint into the worker's in-flight record, so recovery after kill -9 resumes from it.</summary>
    public Task PersistAsync() => persist(_currentPayload);

    public void Interrupt(string reason, string payload)
    {
        _currentPayload = payload;
        _interruption = reason;
    }
}
