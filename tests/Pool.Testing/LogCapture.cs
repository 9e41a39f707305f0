using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace Pool.Testing;

/// <summary>Log lines of an in-process supervisor or worker, rendered, for assertions.</summary>
public sealed class LogCapture : ILogEventSink
{
    private readonly Lock _gate = new();
    private readonly List<(LogEventLevel Level, string Text)> _lines = [];

    public ILogger Logger { get; }

    public LogCapture() => Logger = new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(this).CreateLogger();

    public void Emit(LogEvent logEvent)
    {
        // Strings as they are, not quoted as Serilog renders them, so tests match what a reader sees.
        var properties = logEvent.Properties.ToDictionary(p => p.Key,
            p => p.Value is ScalarValue { Value: string s } ? new ScalarValue(new Unquoted(s)) : p.Value);
        var text = logEvent.MessageTemplate.Render(properties, System.Globalization.CultureInfo.InvariantCulture);
        if (logEvent.Exception is { } e) text += " | " + e.GetType().Name;
        lock (_gate) _lines.Add((logEvent.Level, text));
    }

    public IReadOnlyList<string> Lines
    {
        get { lock (_gate) return _lines.Select(l => $"{l.Level}: {l.Text}").ToList(); }
    }

    public int Count(string fragment) => Lines.Count(l => l.Contains(fragment, StringComparison.Ordinal));

    private sealed record Unquoted(string Text)
    {
        public override string ToString() => Text;
    }

    /// <summary>For assertion messages: what was logged.</summary>
    public override string ToString() => string.Join('\n', Lines);
}
