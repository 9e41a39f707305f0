namespace Pool.Worker.Running;

public enum StopMode { None, Quit, Term, Int }

/// <summary>
/// The state signals change and the loop reads: stop mode, pause, and the tokens jobs see.
/// Signal handlers run on their own threads, so every change goes through the lock and then
/// completes <see cref="WhenChanged"/> to wake whoever is waiting. Stop modes only escalate
/// (QUIT &lt; TERM &lt; INT): a repeated or milder signal never undoes a stronger one.
/// Lanes (concurrency N): stop mode, pause and the deadlines belong to the process and are shared
/// by every lane's control (<see cref="NewLane"/>); the running job's token and reservation state
/// belong to one lane. So TERM, QUIT, INT, USR2 and CONT reach every lane at once, USR1 aborts
/// every lane's job (<see cref="AbortJobs"/>), and a lost reservation fires only its own lane's job.
/// </summary>
public sealed class WorkerControl
{
    public WorkerControl() : this(TimeProvider.System) { }

    public WorkerControl(TimeProvider time) : this(new ProcessState(time)) { }

    private WorkerControl(ProcessState process)
    {
        _process = process;
        _gate = process.Gate;
        lock (process.Gate) process.Lanes.Add(this);
    }

    /// <summary>The control of one more lane of this process: same stop, pause and deadlines, its own job.</summary>
    public WorkerControl NewLane() => new(_process);

    /// <summary>What every lane of the process shares; guarded by <see cref="Gate"/>.</summary>
    private sealed class ProcessState(TimeProvider time)
    {
        public readonly Lock Gate = new();
        public readonly TimeProvider Time = time;
        public readonly CancellationTokenSource Shutdown = new();
        public readonly CancellationTokenSource Stopping = new();
        public readonly CancellationTokenSource GiveUp = new(Timeout.InfiniteTimeSpan, time);
        public readonly List<WorkerControl> Lanes = [];
        public TaskCompletionSource Changed = NewSignal();
        public StopMode Stop;
        /// <summary>The stop is the worker's own (max_jobs spent, a job past its hard limit), not a signal's.</summary>
        public bool Recycling;
        public bool Paused;
        /// <summary>Lanes waiting out a pause, each having left the idle set.</summary>
        public int LanesPaused;
        public long TermAtTimestamp;
        public TimeSpan GiveUpAfterStop = TimeSpan.FromSeconds(25);
    }

    private readonly ProcessState _process;
    private readonly Lock _gate;
    private CancellationTokenSource? _currentJob;
    // Between "a job was reserved" and "its token exists" a USR1 must not be lost: it is
    // remembered here and fired as soon as BeginJob makes the token. Guarded by _gate.
    private bool _jobReserved;
    private bool _abortRequested;

    public StopMode Stop { get { lock (_gate) return _process.Stop; } }
    public bool Paused { get { lock (_gate) return _process.Paused; } }

    /// <summary>Neither stopping nor paused: the worker may start a job (one lock, for the per-job path).</summary>
    internal bool TakingJobs { get { lock (_gate) return _process.Stop == StopMode.None && !_process.Paused; } }

    /// <summary>The clock that <see cref="TermAtTimestamp"/> comes from.</summary>
    public TimeProvider Time => _process.Time;

    /// <summary>When TERM (or INT) arrived, as a <see cref="TimeProvider"/> timestamp, for the job deadline.</summary>
    public long TermAtTimestamp { get { lock (_gate) return _process.TermAtTimestamp; } }

    /// <summary>How long, after TERM or INT, Redis calls keep retrying through an outage (for every lane).</summary>
    public TimeSpan GiveUpAfterStop
    {
        get => _process.GiveUpAfterStop;
        init => _process.GiveUpAfterStop = value;
    }

    /// <summary>
    /// Fires <see cref="GiveUpAfterStop"/> after the first TERM or INT. Until then, settling a
    /// job retries through a Redis outage; after it the worker exits and leaves what it holds in
    /// its in-flight record, where lease-expiry recovery finds it. QUIT has no deadline, so it
    /// starts no countdown: the ack of a job that finishes long after it is retried until Redis
    /// answers, not given up on at its first failure.
    /// </summary>
    public CancellationToken GiveUp => _process.GiveUp.Token;

    /// <summary>Fires on the first stop request of any kind (QUIT, TERM, INT).</summary>
    public CancellationToken Stopping => _process.Stopping.Token;

    /// <summary>Fires on TERM and INT: running jobs should stop, and will be requeued.</summary>
    public CancellationToken Shutdown => _process.Shutdown.Token;

    /// <summary>Completes at the next change of state.</summary>
    public Task WhenChanged { get { lock (_gate) return _process.Changed.Task; } }

    /// <summary>
    /// The worker stops itself (max_jobs spent: as QUIT; a job past its hard limit: as INT, see
    /// WorkerLoop.CheckLimits); its log says so rather than naming a signal.
    /// </summary>
    internal void RequestRecycle(StopMode mode = StopMode.Quit)
    {
        lock (_gate)
        {
            if (_process.Stop == StopMode.None) _process.Recycling = true;
        }
        RequestStop(mode);
    }

    /// <summary>Whether the stop is the worker's own recycling rather than a signal.</summary>
    internal bool Recycling { get { lock (_gate) return _process.Recycling; } }

    public void RequestStop(StopMode mode)
    {
        var p = _process;
        lock (_gate)
        {
            if (mode <= p.Stop) return;
            p.Stop = mode;
            if (mode >= StopMode.Term && p.TermAtTimestamp == 0)
            {
                p.TermAtTimestamp = p.Time.GetTimestamp();
                p.GiveUp.CancelAfter(p.GiveUpAfterStop);
            }
            Changed();
        }
        p.Stopping.Cancel();
        if (mode >= StopMode.Term) p.Shutdown.Cancel();
    }

    public void Pause(bool paused)
    {
        lock (_gate)
        {
            if (_process.Paused == paused) return;
            _process.Paused = paused;
            Changed();
        }
    }

    /// <summary>
    /// A lane has left the idle set for a pause and waits. True for the lane that completes the
    /// process's pause, so that "Paused" is logged once per process, when no lane takes jobs any
    /// more, and not once per lane.
    /// </summary>
    internal bool LanePaused()
    {
        lock (_gate) return ++_process.LanesPaused == _process.Lanes.Count;
    }

    /// <summary>
    /// A lane's pause wait has ended. True for the first lane to wake from a whole-process pause
    /// into taking jobs again, so that "Resumed" is logged once and only after a logged "Paused".
    /// </summary>
    internal bool LaneResumed()
    {
        lock (_gate)
        {
            var wholeProcessWasPaused = _process.LanesPaused-- == _process.Lanes.Count;
            return wholeProcessWasPaused && !_process.Paused && _process.Stop == StopMode.None;
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

    /// <summary>USR1 with lanes: cancels the running job of every lane of the process. True when some lane had one.</summary>
    public bool AbortJobs()
    {
        WorkerControl[] lanes;
        lock (_gate) lanes = [.. _process.Lanes];
        var any = false;
        foreach (var lane in lanes) any |= lane.AbortCurrentJob();
        return any;
    }

    /// <summary>A token for one job: fires on shutdown or on USR1. Dispose it when the job is over.</summary>
    public CancellationTokenSource BeginJob()
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(_process.Shutdown.Token);
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
        var old = _process.Changed;
        _process.Changed = NewSignal();
        old.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
