using Pool.Protocol.Recovery;
using Pool.Testing;
using Pool.Worker.Jobs;
using Pool.Worker.Limits;
using Pool.Worker.Running;

namespace Pool.Worker.Tests.Running.InProcess;

/// <summary>
/// A worker process's lanes with their real loops, job execution, control and retry guard, but
/// a fake store, a fake idle wait and a fake clock. Signals are the calls the signal handlers
/// make. Things happen on other threads a moment after a step; a test waits for what it expects
/// with <see cref="Until"/> (bounded by <see cref="Deadline"/>), and before it moves the clock it
/// waits until the deadline it expects is armed (<see cref="UntilArmed"/>). No step sleeps.
/// </summary>
internal sealed class InProcessWorker : IAsyncDisposable
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    /// <summary>The worker's TERM deadline (term_timeout) in these tests.</summary>
    public static readonly TimeSpan TermTimeout = TimeSpan.FromSeconds(10);

    /// <summary>How long after a stop Redis calls keep retrying (the runner uses TERM_TIMEOUT + 1 s).</summary>
    public static readonly TimeSpan GiveUpAfterStop = TermTimeout + TimeSpan.FromSeconds(1);

    /// <summary>The smallest step of the tests: "just before" a deadline is one of these before it.</summary>
    public static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(1);

    private readonly List<ScriptedJob> _jobs = [];
    private readonly CancellationTokenSource _stopLiveness = new();

    public WatchedClock Clock { get; } = new();
    public WorkerControl Control { get; }
    public LogCapture Log { get; } = new();
    public FakeWorkerStore.JobQueue Queue { get; } = new();
    public IReadOnlyList<Lane> Lanes { get; }

    /// <summary>The first (or only) lane.</summary>
    public Lane Main => Lanes[0];
    public FakeWorkerStore Store => Main.Store;
    public FakeWakeWaiter Waker => Main.Waker;

    /// <summary>One lane: its store, idle wait, loop, and once started the loop's run (and liveness's, when asked for).</summary>
    internal sealed class Lane(FakeWorkerStore store, FakeWakeWaiter waker, WorkerLoop loop, Liveness liveness)
    {
        public FakeWorkerStore Store { get; } = store;
        public FakeWakeWaiter Waker { get; } = waker;
        public WorkerLoop Loop { get; } = loop;
        public Liveness Liveness { get; } = liveness;
        public Task? Run { get; set; }
        public Task? LivenessRun { get; set; }
        public bool HasExited => Run is { IsCompleted: true };
    }

    /// <param name="jobTimeout">The group's job_timeout (POOL_JOB_TIMEOUT), if any.</param>
    /// <param name="maxJobs">max_jobs, shared by the lanes.</param>
    public InProcessWorker(int lanes = 1, TimeLimit? jobTimeout = null, int? maxJobs = null)
    {
        Control = new WorkerControl(Clock) { GiveUpAfterStop = GiveUpAfterStop };
        var registry = new JobRegistry().Add<ScriptedJob.Scripted>();
        var redis = new RedisGuard(Log.Logger, Clock);
        var budget = new JobBudget(maxJobs);
        Lanes = [.. Enumerable.Range(0, lanes).Select(number =>
        {
            var control = number == 0 ? Control : Control.NewLane();
            var store = new FakeWorkerStore($"host:1:q-{number}", Queue, Clock);
            var waker = new FakeWakeWaiter();
            var execution = new JobExecution(registry, new JobInvoker(null), control, TermTimeout, Log.Logger, jobTimeout);
            var loop = new WorkerLoop(store, waker, execution, control, redis, Log.Logger, budget);
            var liveness = new Liveness(store, new NoSweeps(), redis, control, Clock, Log.Logger) { Sweeps = false };
            return new Lane(store, waker, loop, liveness);
        })];
    }

    /// <summary>A job waiting in the queue; it runs when a lane takes it.</summary>
    public ScriptedJob Enqueue(bool honoursToken = false)
    {
        var job = NewJob(honoursToken);
        Queue.Push(job.Payload);
        return job;
    }

    /// <summary>A job the test hands over itself (a hand-off through the mailbox).</summary>
    public ScriptedJob NewJob(bool honoursToken = false)
    {
        var job = new ScriptedJob(honoursToken);
        lock (_jobs) _jobs.Add(job);
        return job;
    }

    /// <summary>Starts every lane's loop (and liveness, when asked); returns once each has made its first call.</summary>
    public InProcessWorker Start(bool liveness = false)
    {
        foreach (var lane in Lanes)
        {
            lane.Run = Task.Run(lane.Loop.RunAsync);
            if (liveness) lane.LivenessRun = Task.Run(() => lane.Liveness.RunAsync(_stopLiveness.Token));
        }
        Until(() => Lanes.All(l => l.Store.Calls.Count > 0), "every lane to make its first reserve");
        return this;
    }

    /// <summary>Starts the loops; returns once <paramref name="job"/> runs.</summary>
    public InProcessWorker StartRunning(ScriptedJob job, bool liveness = false)
    {
        Start(liveness);
        UntilStarted(job);
        return this;
    }

    /// <summary>Starts the loops with one job waiting; returns once it runs (as r1).</summary>
    public ScriptedJob RunJob(bool honoursToken = false, bool liveness = false)
    {
        var job = Enqueue(honoursToken);
        StartRunning(job, liveness);
        return job;
    }

    /// <summary>TERM while a job runs; returns once the job's TERM deadline is armed.</summary>
    public void TermUntilDeadlineArmed()
    {
        Term();
        UntilArmed(TermTimeout);
    }

    public void Quit() => Control.RequestStop(StopMode.Quit);
    public void Term() => Control.RequestStop(StopMode.Term);
    public void Int() => Control.RequestStop(StopMode.Int);
    public void Usr1() => Control.AbortJobs();
    public void Usr2() => Control.Pause(true);
    public void Cont() => Control.Pause(false);

    public void Advance(TimeSpan by) => Clock.Advance(by);

    /// <summary>Waits until a timer is armed to fire <paramref name="fromNow"/> from now: the code that waits for it is parked.</summary>
    public void UntilArmed(TimeSpan fromNow) =>
        Until(() => Clock.Armed.Contains(fromNow), $"a timer armed {fromNow.TotalMilliseconds} ms from now (armed: {string.Join(", ", Clock.Armed.Select(t => t.TotalMilliseconds))})");

    /// <summary>Waits until the first lane is in its idle wait.</summary>
    public void UntilIdle() => Until(() => Waker.IsWaiting, "the idle wait");

    public void UntilStarted(ScriptedJob job) => Until(() => job.HasStarted, "the job to start");

    /// <summary>Waits until the store of the lane (the first by default) was called <paramref name="count"/> times.</summary>
    public void UntilCalls(int count, Lane? lane = null) =>
        Until(() => (lane ?? Main).Store.Calls.Count >= count, $"{count} store calls (so far: {string.Join(" | ", (lane ?? Main).Store.Calls)})");

    /// <summary>Waits until every lane's loop has returned, and gives up at the deadline.</summary>
    public async Task ExitAsync()
    {
        try
        {
            await Task.WhenAll(Lanes.Select(l => l.Run!)).WaitAsync(Deadline);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"the worker's loops did not return; calls: {string.Join(" | ", Store.Calls)}; log:\n{Log}", e);
        }
    }

    public void Until(Func<bool> condition, string because)
    {
        try
        {
            Wait.Until(condition, Deadline, because);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}; the worker logged:\n{Log}", e);
        }
    }

    /// <summary>Ends what a test left running: INT, Redis back, every job released, the clock moved until every loop is done.</summary>
    public async ValueTask DisposeAsync()
    {
        Control.RequestStop(StopMode.Int);
        foreach (var lane in Lanes)
        {
            lane.Store.Outage = null;
            if (lane.Waker.IsWaiting) lane.Waker.Wake();
        }
        lock (_jobs) foreach (var job in _jobs) job.Release();
        await _stopLiveness.CancelAsync();
        var runs = Task.WhenAll(Lanes.SelectMany(l => new[] { l.Run, l.LivenessRun }).OfType<Task>());
        var limit = System.Diagnostics.Stopwatch.StartNew();
        while (!runs.IsCompleted && limit.Elapsed < Deadline)
        {
            Clock.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(runs, Task.Delay(10));
        }
        _stopLiveness.Dispose();
    }

    /// <summary>Liveness's sweeper, unused: these workers do not sweep.</summary>
    private sealed class NoSweeps : IMasterStore
    {
        public bool IsConnected => true;
        public Task<RecoveryOutcome> RecoverWorkerAsync(string workerId, CancellationToken ct = default) => throw new NotSupportedException();
        public Task<IReadOnlyList<RecoveryOutcome>> RecoverForeignAsync(IReadOnlyCollection<int> pids, CancellationToken ct = default) => throw new NotSupportedException();
        public Task<int> RecoverExpiredAsync(CancellationToken ct = default) => throw new NotSupportedException();
        public Task VouchAsync(IReadOnlyCollection<string> workerIds, CancellationToken ct = default) => throw new NotSupportedException();
        public Task<IReadOnlySet<string>> BusyWorkersAsync(IReadOnlyCollection<string> workerIds, CancellationToken ct = default) => throw new NotSupportedException();
        public Task<int> ChargeAsync(IReadOnlyCollection<string> workerIds, CancellationToken ct = default) => throw new NotSupportedException();
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
