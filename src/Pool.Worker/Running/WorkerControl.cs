namespace Pool.Worker.Running;

public enum StopMode { None, Quit, Term, Int }

/// <summary>
/// The state signals change and the loop reads: stop mode, pause, and the tokens jobs see.
/// Signal handlers run on their own threads, so every change goes through the lock and then
/// completes <see cref="WhenChanged"/> to wake whoever is waiting. Stop modes only escalate
/// (QUIT &lt; TERM &lt; INT): a repeated or milder signal never undoes a stronger one.
/// </summary>
public sealed class WorkerControl(TimeProvider time)
{
    public WorkerControl() : this(TimeProvider.System) { }

    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _shutdown = new();
    private TaskCompletionSource _changed = NewSignal();
    private CancellationTokenSource? _currentJob;
    // Between "a job was reserved" and "its token exists" a USR1 must not be lost: it is
    // remembered here and fired as soon as BeginJob makes the token. Guarded by _gate.
    private bool _jobReserved;
    private bool _abortRequested;
    private readonly CancellationTokenSource _giveUp = new(Timeout.InfiniteTimeSpan, time);

    public StopMode Stop { get; private set; }
    public bool Paused { get; private set; }
    /// <summary>The clock that <see cref="TermAtTimestamp"/> comes from.</summary>
    public TimeProvider Time => time;

    /// <summary>When TERM (or INT) arrived, as a <see cref="TimeProvider"/> timestamp, for the job deadline.</summary>
    public long TermAtTimestamp { get; private set; }

    /// <summary>How long, after a stop request, Redis calls keep retrying through an outage.</summary>
    public TimeSpan GiveUpAfterStop { get; init; } = TimeSpan.FromSeconds(25);

    /// <summary>
    /// Fires <see cref="GiveUpAfterStop"/> after the first stop request. Until then, settling a
    /// job retries through a Redis outage; after it the worker exits and leaves what it holds in
    /// its in-flight record, where lease-expiry recovery finds it.
    /// </summary>
    public CancellationToken GiveUp => _giveUp.Token;

    /// <summary>Fires on the first stop request of any kind (QUIT, TERM, INT).</summary>
    public CancellationToken Stopping => _stopping.Token;

    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Fires on TERM and INT: running jobs should stop, and will be requeued.</summary>
    public CancellationToken Shutdown => _shutdown.Token;

    /// <summary>Completes at the next change of state.</summary>
    public Task WhenChanged { get { lock (_gate) return _changed.Task; } }

    public void RequestStop(StopMode mode)
    {
        lock (_gate)
        {
            if (mode <= Stop) return;
            if (Stop == StopMode.None) _giveUp.CancelAfter(GiveUpAfterStop);
            Stop = mode;
            if (mode >= StopMode.Term && TermAtTimestamp == 0) TermAtTimestamp = time.GetTimestamp();
            Changed();
        }
        _stopping.Cancel();
        if (mode >= StopMode.Term) _shutdown.Cancel();
    }

    public void Pause(bool paused)
    {
        lock (_gate)
        {
            if (Paused == paused) return;
            Paused = paused;
            Changed();
        }
    }

    /// <summary>
    /// True once the running job's reservation was taken from this worker (a recovery found its
    /// lease expired, after a stall or a long outage): the job's token has fired, and the job must
    /// be neither acked nor requeued, because the recovered copy belongs to someone else now.
    /// </summary>
    public bool ReservationLost { get { lock (_gate) return _reservationLost; } }

    private bool _reservationLost;

    /// <summary>The worker learned it was swept: the running job, if any, is no longer its own. Fires its token.</summary>
    public bool LoseReservation()
    {
        lock (_gate) _reservationLost = _jobReserved;
        return AbortCurrentJob();
    }

    /// <summary>USR1: cancel the running job only; it is requeued and the worker goes on.</summary>
    public bool AbortCurrentJob()
    {
        CancellationTokenSource? job;
        lock (_gate)
        {
            job = _currentJob;
            if (job is null)
            {
                _abortRequested = _jobReserved;
                return _jobReserved;
            }
        }
        try { job.Cancel(); } catch (ObjectDisposedException) { return false; }
        return true;
    }

    /// <summary>A token for one job: fires on shutdown or on USR1. Dispose it when the job is over.</summary>
    public CancellationTokenSource BeginJob()
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token);
        bool abort;
        lock (_gate)
        {
            _currentJob = cts;
            abort = _abortRequested;
        }
        if (abort) cts.Cancel();
        return cts;
    }

    /// <summary>The loop took a job and is about to run it: a USR1 from now on aborts it.</summary>
    public void JobReserved()
    {
        lock (_gate)
        {
            _jobReserved = true;
            _abortRequested = false;
            _reservationLost = false;
        }
    }

    public void EndJob()
    {
        lock (_gate)
        {
            _currentJob = null;
            _jobReserved = false;
            _abortRequested = false;
        }
    }

    private void Changed()
    {
        var old = _changed;
        _changed = NewSignal();
        old.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
