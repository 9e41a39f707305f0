using System.Globalization;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Compact;
using Serilog.Formatting.Display;
using Serilog.Formatting.Json;
using Serilog.Parsing;

namespace Pool.Logging;

/// <summary>
/// The JSON log line: Serilog's compact format (CLEF: "@t", "@m", "@i", "@l", "@x" and the
/// properties), with "@m" rendered exactly as the text line renders its message, strings without
/// quotes. Serilog's own "@m" quotes them (`Job done "Mailer" queue="mail"`), so a search for the
/// text a user saw in a text line missed the JSON one. The event is handed to Serilog's formatter
/// with a one-token template of that text; the template keeps its original text, so "@i" (a hash
/// of the template) is unchanged.
/// </summary>
internal sealed class CompactJsonLines : ITextFormatter
{
    private static readonly JsonValueFormatter Values = new(typeTagName: "$type");
    private static readonly MessageTemplateTextFormatter Message = new("{Message:lj}", CultureInfo.InvariantCulture);

    public void Format(LogEvent logEvent, TextWriter output)
    {
        var text = new StringWriter(CultureInfo.InvariantCulture);
        Message.Format(logEvent, text);
        var rendered = new MessageTemplate(logEvent.MessageTemplate.Text, [new TextToken(text.ToString())]);
        var withRendered = new LogEvent(logEvent.Timestamp, logEvent.Level, logEvent.Exception, rendered,
            logEvent.Properties.Select(p => new LogEventProperty(p.Key, p.Value)), logEvent.TraceId ?? default, logEvent.SpanId ?? default);
        RenderedCompactJsonFormatter.FormatEvent(withRendered, output, Values);
        output.WriteLine();
    }
}
