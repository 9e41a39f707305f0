using Serilog;
using Serilog.Events;

namespace Pool.Master.Supervision;

/// <summary>
/// The logger of the master's side tasks (store calls, the Redis connect, the HTTP endpoint).
/// Once closed it drops every event, so nothing a late task says can follow the master's exit
/// line. The lock makes the close a barrier: a write that started before it finishes first.
/// </summary>
internal sealed class ClosableLogger(ILogger inner) : ILogger
{
    private readonly Lock _gate = new();
    private bool _closed;

    public void Write(LogEvent logEvent)
    {
        lock (_gate)
        {
            if (!_closed) inner.Write(logEvent);
        }
    }

    public bool IsEnabled(LogEventLevel level) => inner.IsEnabled(level);

    public void Close()
    {
        lock (_gate) _closed = true;
    }
}
