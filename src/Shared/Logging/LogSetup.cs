using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Compact;
using Serilog.Formatting.Display;

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

    public static Logger Create(LogFormat format, string source, LogEventLevel minimum = LogEventLevel.Information) =>
        Create(format, source, minimum, batchable: false, out _);

    /// <summary>
    /// As <see cref="Create(LogFormat, string, LogEventLevel)"/>, but when stdout is redirected (a
    /// pipe or file, as under pool-master, systemd or Kubernetes) lines go through a
    /// <see cref="BatchingStdoutSink"/> that the caller can switch to batches. On a terminal the
    /// console sink keeps its colours and <paramref name="batching"/> is null.
    /// </summary>
    public static Logger Create(LogFormat format, string source, LogEventLevel minimum, bool batchable, out BatchingStdoutSink? batching)
    {
        var config = new LoggerConfiguration()
            .MinimumLevel.Is(minimum)
            .Enrich.WithProperty("Source", source)
            .Enrich.WithProperty("Pid", Environment.ProcessId);
        // JSON lines already carry "@t" with its offset; only the text template needs the UTC copy.
        if (format == LogFormat.Text) config = config.Enrich.With<UtcTimestampEnricher>();
        batching = null;
        if (batchable && Console.IsOutputRedirected)
        {
            batching = new BatchingStdoutSink(format == LogFormat.Json
                ? new RenderedCompactJsonFormatter()
                : new MessageTemplateTextFormatter(TextTemplate, System.Globalization.CultureInfo.InvariantCulture));
            config = config.WriteTo.Sink(batching);
        }
        else
        {
            config = format == LogFormat.Json
                ? config.WriteTo.Console(new RenderedCompactJsonFormatter())
                : config.WriteTo.Console(outputTemplate: TextTemplate, formatProvider: System.Globalization.CultureInfo.InvariantCulture);
        }
        return config.CreateLogger();
    }
}

internal enum LogFormat { Text, Json }
