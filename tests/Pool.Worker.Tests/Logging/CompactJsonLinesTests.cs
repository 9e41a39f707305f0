using System.Text.Json;
using Pool.Logging;
using Serilog.Events;
using Serilog.Formatting.Compact;
using Serilog.Parsing;

namespace Pool.Worker.Tests.Logging;

public sealed class CompactJsonLinesTests
{
    private static readonly MessageTemplateParser Parser = new();

    private static LogEvent Event(string template, params (string Name, object Value)[] properties) =>
        new(DateTimeOffset.UtcNow, LogEventLevel.Warning, null, Parser.Parse(template),
            properties.Select(p => new LogEventProperty(p.Name, new ScalarValue(p.Value))));

    private static JsonElement Line(LogEvent e, Serilog.Formatting.ITextFormatter formatter)
    {
        var output = new StringWriter();
        formatter.Format(e, output);
        var text = output.ToString();
        Assert.EndsWith("\n", text);
        Assert.Single(text.TrimEnd('\n').Split('\n'));
        return JsonDocument.Parse(text).RootElement;
    }

    /// <summary>Serilog's own "@m" said `Job done "Mailer" queue="mail"`; the text line says `Job done Mailer queue=mail`.</summary>
    [Fact]
    public void The_message_renders_strings_as_the_text_line_does_and_the_rest_of_the_line_is_serilogs_compact_json()
    {
        var e = Event("Job done {Class} queue={Queue} in {Ms:0.0} ms after {Attempts} attempts", ("Class", "Mailer"), ("Queue", "mail"), ("Ms", 1.25), ("Attempts", 2));

        var ours = Line(e, new CompactJsonLines());
        var serilogs = Line(e, new RenderedCompactJsonFormatter());

        Assert.Equal("Job done Mailer queue=mail in 1.3 ms after 2 attempts", ours.GetProperty("@m").GetString());
        Assert.Equal("Job done \"Mailer\" queue=\"mail\" in 1.3 ms after 2 attempts", serilogs.GetProperty("@m").GetString());
        Assert.Equal(serilogs.EnumerateObject().Select(p => p.Name), ours.EnumerateObject().Select(p => p.Name));
        foreach (var name in new[] { "@t", "@i", "@l", "Class", "Queue", "Ms", "Attempts" })
            Assert.Equal(serilogs.GetProperty(name).ToString(), ours.GetProperty(name).ToString());
    }

    [Fact]
    public void A_message_with_no_holes_or_a_quote_in_a_value_stays_one_valid_json_line()
    {
        Assert.Equal("Resumed", Line(Event("Resumed"), new CompactJsonLines()).GetProperty("@m").GetString());
        Assert.Equal("class say \"hi\"\nbye", Line(Event("class {Class}", ("Class", "say \"hi\"\nbye")), new CompactJsonLines()).GetProperty("@m").GetString());
    }
}
