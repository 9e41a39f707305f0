namespace Pool.Worker.Jobs;

/// <summary>
/// Marks a job class. The worker calls its public <c>Perform(...)</c> or <c>PerformAsync(...)</c>:
/// the payload's args bind to the parameters by position (System.Text.Json), and a
/// <see cref="CancellationToken"/> parameter, anywhere in the list, receives the token that
/// fires on TERM, INT or USR1. The payload "class" is the type's name, its full name, or the
/// name given by <see cref="Pool.Protocol.Producing.JobAttribute"/>.
/// </summary>
public interface IJob;
