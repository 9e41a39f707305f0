using System.Text;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;

namespace Pool.Logging;

/// <summary>
/// Writes events to redirected stdout, one line each, and while <see cref="Batching"/> is on,
/// gathers them into one write(2) per batch. A worker draining short jobs logs two lines per
/// job, and a write(2) per line was its largest cost after Redis (about as much as the job and
/// its ack together). The worker turns batching on only while it runs jobs that have proved
/// fast, back to back; a slow job, a stop, an idle wait or a warning flushes at once. A batch is
/// also written after <see cref="MaxDelay"/> or at <see cref="MaxBuffered"/> characters,
/// whichever comes first, so a fast job that hangs still shows its "Job started" line.
/// The cost: a kill -9 in the middle of a fast run loses at most the last MaxDelay of lines
/// (the master's recovery line still names the job it put back).
/// Thread-safety: Emit runs on the loop, job and signal threads; _gate guards the buffer, and
/// the timer only ever flushes under it. A sink must never throw from its timer, so the write
/// errors it cannot report are dropped there, as Serilog drops a failing sink's events.
/// </summary>
internal sealed class BatchingStdoutSink : ILogEventSink, IDisposable
{
    public static readonly TimeSpan MaxDelay = TimeSpan.FromMilliseconds(20);
    public const int MaxBuffered = 16 * 1024;

    private readonly ITextFormatter _formatter;
    private readonly Stream _stdout;
    private readonly Lock _gate = new();
    private readonly StringWriter _buffer = new(System.Globalization.CultureInfo.InvariantCulture);
    private readonly Timer _timer;
    private bool _batching, _timerArmed, _disposed;

    public BatchingStdoutSink(ITextFormatter formatter, Stream? stdout = null)
    {
        _formatter = formatter;
        _stdout = stdout ?? Console.OpenStandardOutput();
        _timer = new Timer(_ => FlushQuietly());
        // A crash that .NET still sees (an unhandled exception, Environment.Exit) keeps its lines.
        AppDomain.CurrentDomain.ProcessExit += OnExit;
        AppDomain.CurrentDomain.UnhandledException += OnExit;
    }

    /// <summary>On: gather lines into batches. Off: write what is gathered now, and every later line at once.</summary>
    public bool Batching
    {
        get { lock (_gate) return _batching; }
        set
        {
            lock (_gate)
            {
                if (_batching == value) return;
                _batching = value;
                if (!value) FlushLocked();
            }
        }
    }

    public void Emit(LogEvent logEvent)
    {
        lock (_gate)
        {
            if (_disposed) return;
            _formatter.Format(logEvent, _buffer);
            if (!_batching || logEvent.Level >= LogEventLevel.Warning || _buffer.GetStringBuilder().Length >= MaxBuffered)
            {
                FlushLocked();
            }
            else if (!_timerArmed)
            {
                _timerArmed = true;
                _timer.Change(MaxDelay, Timeout.InfiniteTimeSpan);
            }
        }
    }

    /// <summary>For the timer and process exit, where nobody could take an exception.</summary>
    private void FlushQuietly()
    {
        lock (_gate)
        {
            try { FlushLocked(); }
            catch (IOException) { /* stdout is gone (a closed pipe): nobody can read these lines */ }
        }
    }

    private void FlushLocked()
    {
        _timerArmed = false;
        var pending = _buffer.GetStringBuilder();
        if (pending.Length == 0) return;
        var bytes = Encoding.UTF8.GetBytes(pending.ToString());
        pending.Clear();
        _stdout.Write(bytes);
        _stdout.Flush();
    }

    private void OnExit(object? sender, EventArgs e) => FlushQuietly();

    public void Dispose()
    {
        AppDomain.CurrentDomain.ProcessExit -= OnExit;
        AppDomain.CurrentDomain.UnhandledException -= OnExit;
        lock (_gate)
        {
            if (_disposed) return;
            FlushLocked();
            _disposed = true;
        }
        _timer.Dispose();
    }
}
