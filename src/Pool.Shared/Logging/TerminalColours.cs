using Serilog.Events;
using Serilog.Formatting;

namespace Pool.Logging;

/// <summary>
/// Colours a whole text line by level for a terminal: warnings yellow, errors red, debug dim.
/// The line is rendered with its escape codes first and written in one piece by
/// <see cref="BatchingStdoutSink"/>; the console sink's themes wrote each coloured token
/// separately, so a worker's line could land inside the master's (`INF [worker2026-...`).
/// </summary>
internal sealed class TerminalColours(ITextFormatter inner) : ITextFormatter
{
    private const string Reset = "\u001b[0m";

    /// <summary>Colour on a terminal, unless NO_COLOR is set (https://no-color.org).</summary>
    public static bool Wanted => !Console.IsOutputRedirected && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));

    public void Format(LogEvent logEvent, TextWriter output)
    {
        var colour = logEvent.Level switch
        {
            LogEventLevel.Warning => "\u001b[33m",
            LogEventLevel.Error or LogEventLevel.Fatal => "\u001b[31m",
            LogEventLevel.Debug or LogEventLevel.Verbose => "\u001b[2m",
            _ => null,
        };
        if (colour is null)
        {
            inner.Format(logEvent, output);
            return;
        }
        var line = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        inner.Format(logEvent, line);
        var text = line.ToString();
        var body = text.TrimEnd('\r', '\n');
        output.Write(colour + body + Reset + text[body.Length..]);
    }
}
