using Pool.Logging;
using Serilog.Core;
using Serilog.Events;
using Serilog.Parsing;

namespace Pool.Worker.Tests.Logging;

public sealed class LogValueSanitizerTests
{
    private static LogEvent Event(params (string Name, object Value)[] properties) =>
        new(DateTimeOffset.UtcNow, LogEventLevel.Information, null, new MessageTemplateParser().Parse("x"),
            properties.Select(p => new LogEventProperty(p.Name, new ScalarValue(p.Value))));

    private static string? Text(LogEvent e, string name) => (e.Properties[name] as ScalarValue)?.Value as string;

    [Fact]
    public void Control_characters_are_escaped_and_long_values_cut_while_clean_values_stay_as_they_are()
    {
        var e = Event(("Class", "Evil\nERR\u001b[31m\t\u0085"), ("Error", new string('x', 5000)), ("Queue", "mail"), ("Duration", 1.5));
        new LogValueSanitizer().Enrich(e, null!);

        Assert.Equal(@"Evil\nERR\u001b[31m\t\u0085", Text(e, "Class"));
        Assert.Equal(new string('x', LogValueSanitizer.MaxLength) + "... (5,000 characters)", Text(e, "Error"));
        Assert.Equal("mail", Text(e, "Queue"));
        Assert.Equal(1.5, (e.Properties["Duration"] as ScalarValue)?.Value);
    }

    /// <summary>The per-event path relies on Serilog keeping a Dictionary (an allocation-free walk); if that changes, it still works, slower.</summary>
    [Fact]
    public void Serilog_keeps_an_events_properties_in_a_dictionary()
    {
        Assert.IsType<Dictionary<string, LogEventPropertyValue>>(Event(("A", "b")).Properties);
    }
}
