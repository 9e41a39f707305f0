using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace Pool.Logging;

/// <summary>
/// One Serilog logger per process: one event per line on stdout, as text or as compact JSON.
/// Shared by pool-master and pool-worker (compiled into both) so their lines look alike.
/// </summary>
internal static class LogSetup
{
    // {Timestamp} is the event's local time; the Z promises UTC, so text lines print UtcTimestamp.
    public const string TextTemplate =
        "{" + UtcTimestampEnricher.PropertyName + ":yyyy-MM-ddTHH:mm:ss.fffZ} {Level:u3} [{Source}] {Message:lj}{NewLine}{Exception}";

    /// <summary>Parses "text" or "json"; anything else is a usage error that names the flag.</summary>
    public static bool TryParseFormat(string? value, out LogFormat format)
    {
        switch ((value ?? "text").Trim().ToLowerInvariant())
        {
            case "" or "text": format = LogFormat.Text; return true;
            case "json": format = LogFormat.Json; return true;
            default: format = LogFormat.Text; return false;
        }
    }

    public static Logger Create(LogFormat format, string source, LogEventLevel minimum = LogEventLevel.Information)
    {
        var config = new LoggerConfiguration()
            .MinimumLevel.Is(minimum)
            .Enrich.WithProperty("Source", source)
            .Enrich.WithProperty("Pid", Environment.ProcessId);
        // JSON lines already carry "@t" with its offset; only the text template needs the UTC copy.
        config = format == LogFormat.Json
            ? config.WriteTo.Console(new RenderedCompactJsonFormatter())
            : config.Enrich.With<UtcTimestampEnricher>()
                .WriteTo.Console(outputTemplate: TextTemplate, formatProvider: System.Globalization.CultureInfo.InvariantCulture);
        return config.CreateLogger();
    }
}

internal enum LogFormat { Text, Json }
