using System.Threading.Channels;
using Pool.Master.Supervision;

namespace Pool.Master.Tests.Supervision.InProcess;

/// <summary>
/// The supervisor's event channel, watched: it knows when the loop has finished its pass and
/// waits for the next event or its wake-up timer. That is the moment a test can look at what
/// the supervisor did, and it lasts until the test posts an event or moves the fake clock.
/// </summary>
internal sealed class WatchedChannel : Channel<MasterEvent>
{
    private readonly WatchedReader _reader;

    public WatchedChannel()
    {
        // The supervisor's own channel (single reader), which cannot count its items: we do.
        var inner = Supervisor.CreateChannel();
        var unread = new Unread();
        _reader = new WatchedReader(inner.Reader, unread);
        Reader = _reader;
        Writer = new CountingWriter(inner.Writer, unread);
    }

    /// <summary>True while the loop waits with nothing to read and its wake-up timer has not fired.</summary>
    public bool LoopIsWaiting => _reader.IsWaiting;

    private sealed class Unread
    {
        public int Count;
    }

    private sealed class CountingWriter(ChannelWriter<MasterEvent> inner, Unread unread) : ChannelWriter<MasterEvent>
    {
        public override bool TryWrite(MasterEvent item)
        {
            // Counted before it is readable, so the loop never looks idle with an event in flight.
            Interlocked.Increment(ref unread.Count);
            if (inner.TryWrite(item)) return true;
            Interlocked.Decrement(ref unread.Count);
            return false;
        }

        public override ValueTask<bool> WaitToWriteAsync(CancellationToken cancellationToken = default) => inner.WaitToWriteAsync(cancellationToken);
    }

    private sealed class WatchedReader(ChannelReader<MasterEvent> inner, Unread unread) : ChannelReader<MasterEvent>
    {
        private sealed class PendingWait(CancellationToken token)
        {
            public CancellationToken Token { get; } = token;
            public volatile bool Done;
        }

        private PendingWait? _current;

        public override bool TryRead(out MasterEvent item)
        {
            if (!inner.TryRead(out item!)) return false;
            Interlocked.Decrement(ref unread.Count);
            return true;
        }

        public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default)
        {
            var wait = new PendingWait(cancellationToken);
            Volatile.Write(ref _current, wait);
            return Watch(wait, inner.WaitToReadAsync(cancellationToken));
        }

        private static async ValueTask<bool> Watch(PendingWait wait, ValueTask<bool> inner)
        {
            try
            {
                return await inner.ConfigureAwait(false);
            }
            finally
            {
                // Before the loop reads the event: from here on it is busy again.
                wait.Done = true;
            }
        }

        public bool IsWaiting
        {
            get
            {
                var wait = Volatile.Read(ref _current);
                if (wait is null || wait.Done || wait.Token.IsCancellationRequested || Volatile.Read(ref unread.Count) > 0) return false;
                // Still the same wait: the loop did not wake and read an event while we looked.
                return !wait.Done && ReferenceEquals(wait, Volatile.Read(ref _current));
            }
        }
    }
}
