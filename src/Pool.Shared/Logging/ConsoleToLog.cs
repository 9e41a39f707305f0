using System.Text;

namespace Pool.Logging;

/// <summary>
/// Console.Out or Console.Error turned into log events, one per line: what a job prints used to
/// reach stdout as raw text between the worker's log lines, which broke the one-event-per-line
/// log and, under --log-format json, every JSON parser reading it. The log's own sink writes to
/// the stdout stream directly, never through Console.Out, so nothing loops.
/// </summary>
public sealed class ConsoleToLog(Action<string> logLine) : TextWriter
{
    private readonly StringBuilder _pending = new();

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value)
    {
        lock (_pending) Take(value);
    }

    public override void Write(string? value)
    {
        if (value is null) return;
        lock (_pending)
        {
            foreach (var c in value) Take(c);
        }
    }

    public override void Write(char[] buffer, int index, int count)
    {
        lock (_pending)
        {
            for (var i = index; i < index + count; i++) Take(buffer[i]);
        }
    }

    /// <summary>A line not yet ended (Console.Write without a newline) is logged at a flush.</summary>
    public override void Flush()
    {
        lock (_pending)
        {
            if (_pending.Length > 0) Emit();
        }
    }

    private void Take(char c)
    {
        if (c == '\n') Emit();
        else if (c != '\r') _pending.Append(c);
    }

    private void Emit()
    {
        var line = _pending.ToString();
        _pending.Clear();
        logLine(line);
    }
}
