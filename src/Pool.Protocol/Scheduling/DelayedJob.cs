namespace Pool.Protocol.Scheduling;

/// <summary>
/// One delayed job as resque-scheduler stores it.
/// </summary>
/// <param name="At">The Unix second it is due (its bucket).</param>
/// <param name="Queue">Where it goes when due.</param>
/// <param name="Class">The job class name.</param>
/// <param name="ArgsJson">The "args" array as JSON text.</param>
/// <param name="Encoded">The exact stored text, {"class":..,"args":[..],"queue":..}: the handle for removal.</param>
public sealed record DelayedJob(long At, string Queue, string Class, string ArgsJson, string Encoded)
{
    public DateTimeOffset Due => DateTimeOffset.FromUnixTimeSeconds(At);
}
