using Serilog.Core;
using Serilog.Events;

namespace Pool.Logging;

/// <summary>
/// Adds the event's time in UTC as a property. The console sink renders {Timestamp} in the
/// host's zone, which made "...Z" lines lie on any host not set to UTC (TZ=Asia/Kolkata printed
/// local time with a Z). Serilog core knows a UtcTimestamp token, but the console sink's themed
/// renderer does not, so the property fills it in and keeps the sink's colours on a terminal.
/// </summary>
internal sealed class UtcTimestampEnricher : ILogEventEnricher
{
    public const string PropertyName = "UtcTimestamp";

    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory) =>
        logEvent.AddPropertyIfAbsent(new LogEventProperty(PropertyName, new ScalarValue(logEvent.Timestamp.UtcDateTime)));
}
