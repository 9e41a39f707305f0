using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Compact;
using Serilog.Formatting.Display;

namespace Pool.Logging;

/// <summary>
/// One Serilog logger per process: one event per line on stdout, as text or as compact JSON.
/// Shared by pool-master and pool-worker (compiled into both) so their lines look alike.
/// </summary>
internal static class LogSetup
{
    /// <summary>
    /// The writing process's id on every line, so lines of several workers sharing the master's
    /// stdout can be told apart. Not "Pid": the master's messages use {Pid} for the worker they
    /// are about, and an enricher never overwrites a property the message has.
    /// </summary>
    public const string ProcessIdProperty = "ProcessId";

    // {Timestamp} is the event's local time; the Z promises UTC, so text lines print UtcTimestamp.
    public const string TextTemplate =
        "{" + UtcTimestampEnricher.PropertyName + ":yyyy-MM-ddTHH:mm:ss.fffZ} {Level:u3} [{Source} {" + ProcessIdProperty + "}] {Message:lj}{NewLine}{Exception}";

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
    /// As <see cref="Create(LogFormat, string, LogEventLevel)"/>. Every event is rendered whole and
    /// written to stdout with one write(2) by a <see cref="BatchingStdoutSink"/>, so lines of the
    /// master and its workers (which share its stdout, a terminal or a pipe) never split each
    /// other. When <paramref name="batchable"/> and stdout is redirected (a pipe or file, as under
    /// pool-master, systemd or Kubernetes), the caller gets the sink in <paramref name="batching"/>
    /// to switch to batches; otherwise that is null. On a terminal, text lines are coloured by level.
    /// </summary>
    public static Logger Create(LogFormat format, string source, LogEventLevel minimum, bool batchable, out BatchingStdoutSink? batching)
    {
        var config = new LoggerConfiguration()
            .MinimumLevel.Is(minimum)
            .Enrich.WithProperty("Source", source)
            .Enrich.WithProperty(ProcessIdProperty, Environment.ProcessId)
            .Enrich.With<LogValueSanitizer>();
        // JSON lines already carry "@t" with its offset; only the text template needs the UTC copy.
        if (format == LogFormat.Text) config = config.Enrich.With<UtcTimestampEnricher>();
        ITextFormatter formatter = format == LogFormat.Json
            ? new CompactJsonLines()
            : new MessageTemplateTextFormatter(TextTemplate, System.Globalization.CultureInfo.InvariantCulture);
        if (format == LogFormat.Text && TerminalColours.Wanted) formatter = new TerminalColours(formatter);
        var sink = new BatchingStdoutSink(formatter);
        batching = batchable && Console.IsOutputRedirected ? sink : null;
        config = config.WriteTo.Sink(sink);
        return config.CreateLogger();
    }
}

internal enum LogFormat { Text, Json }
