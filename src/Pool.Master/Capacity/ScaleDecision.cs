namespace Pool.Master.Capacity;

internal enum ScaleDirection { Up, Down, Capped }

/// <summary>One decision of an <see cref="Autoscaler"/>: the size before and after, and why, for the log line, /metrics and status.</summary>
internal sealed record ScaleDecision(ScaleDirection Direction, int From, int To, string Reason)
{
    public string Name => Direction.ToString().ToLowerInvariant();
}
