using Pool.Protocol.Working;
using Pool.Worker.Running;

namespace Pool.Worker.Tests.Running.InProcess;

/// <summary>An idle wait that lasts until the test ends it: a wake (or the poll running out), or a hand-off of a job.</summary>
internal sealed class FakeWakeWaiter : IWakeWaiter
{
    private readonly Lock _gate = new();
    private TaskCompletionSource<Reservation?>? _pending;
    private int _waits;

    /// <summary>How many waits the loop began.</summary>
    public int Waits => Volatile.Read(ref _waits);

    /// <summary>A wait is in progress.</summary>
    public bool IsWaiting { get { lock (_gate) return _pending is { Task.IsCompleted: false }; } }

    public Task<Reservation?> WaitAsync()
    {
        Interlocked.Increment(ref _waits);
        var pending = new TaskCompletionSource<Reservation?>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate) _pending = pending;
        return pending.Task;
    }

    /// <summary>A wake token, or the poll interval over: the wait ends with nothing.</summary>
    public void Wake() => End(null);

    /// <summary>An enqueue hands this worker <paramref name="job"/> through its mailbox.</summary>
    public void HandOff(Reservation job) => End(job);

    private void End(Reservation? job)
    {
        TaskCompletionSource<Reservation?>? pending;
        lock (_gate) pending = _pending;
        if (pending is null || !pending.TrySetResult(job)) throw new InvalidOperationException("no idle wait is in progress");
    }
}
