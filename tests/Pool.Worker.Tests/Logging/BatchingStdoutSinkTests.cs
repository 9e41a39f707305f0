using System.Text;
using Pool.Logging;
using Pool.Testing;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Display;
using Serilog.Parsing;

namespace Pool.Worker.Tests.Logging;

public sealed class BatchingStdoutSinkTests
{
    /// <summary>Counts writes, as write(2) calls on stdout would be counted.</summary>
    private sealed class CountingStream : MemoryStream
    {
        private int _writes;
        public int Writes => Volatile.Read(ref _writes);
        public string Text { get { lock (this) return Encoding.UTF8.GetString(ToArray()); } }

        // MemoryStream routes a derived type's span writes through this overload.
        public override void Write(byte[] buffer, int offset, int count)
        {
            lock (this) base.Write(buffer, offset, count);
            Interlocked.Increment(ref _writes);
        }
    }

    private static LogEvent Line(string text, LogEventLevel level = LogEventLevel.Information) =>
        new(DateTimeOffset.UtcNow, level, null, new MessageTemplateParser().Parse(text), []);

    private static (BatchingStdoutSink, CountingStream) NewSink(Func<ITextFormatter, ITextFormatter>? wrap = null)
    {
        var stdout = new CountingStream();
        var formatter = new MessageTemplateTextFormatter("{Message}{NewLine}");
        return (new BatchingStdoutSink(wrap is null ? formatter : wrap(formatter), stdout), stdout);
    }

    [Fact]
    public void A_long_coloured_terminal_line_is_one_write_with_its_colour_closed_before_the_newline()
    {
        var (sink, stdout) = NewSink(f => new TerminalColours(f));
        using (sink)
        {
            var text = new string('x', 2000);
            sink.Emit(Line(text, LogEventLevel.Warning));
            Assert.Equal(1, stdout.Writes);
            Assert.Equal("\u001b[33m" + text + "\u001b[0m\n", stdout.Text.ReplaceLineEndings("\n"));
        }
    }

    [Fact]
    public void Without_batching_every_line_is_written_at_once()
    {
        var (sink, stdout) = NewSink();
        using (sink)
        {
            sink.Emit(Line("one"));
            sink.Emit(Line("two"));
            Assert.Equal(2, stdout.Writes);
            Assert.Equal("one\ntwo\n", stdout.Text.ReplaceLineEndings("\n"));
        }
    }

    [Fact(Timeout = 10_000)]
    public async Task While_batching_lines_are_gathered_into_one_write_within_the_delay()
    {
        var (sink, stdout) = NewSink();
        using (sink)
        {
            sink.Batching = true;
            for (var i = 0; i < 50; i++) sink.Emit(Line("job " + i));
            Assert.Equal(0, stdout.Writes);

            await Wait.UntilAsync(() => stdout.Writes > 0, TimeSpan.FromSeconds(5), "the delayed batch to be written");
            Assert.Equal(1, stdout.Writes);
            Assert.Equal(50, stdout.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        }
    }

    [Fact]
    public void A_warning_or_the_end_of_batching_writes_what_is_gathered_at_once()
    {
        var (sink, stdout) = NewSink();
        using (sink)
        {
            sink.Batching = true;
            sink.Emit(Line("fast job"));
            sink.Emit(Line("it failed", LogEventLevel.Warning));
            Assert.Equal(1, stdout.Writes);

            sink.Emit(Line("another fast job"));
            sink.Batching = false;
            Assert.Equal(2, stdout.Writes);
            Assert.EndsWith("another fast job\n", stdout.Text.ReplaceLineEndings("\n"));
        }
    }

    [Fact]
    public void Dispose_writes_what_is_still_gathered()
    {
        var (sink, stdout) = NewSink();
        sink.Batching = true;
        sink.Emit(Line("last words"));
        sink.Dispose();
        Assert.Equal("last words\n", stdout.Text.ReplaceLineEndings("\n"));
    }
}
