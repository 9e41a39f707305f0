using Pool.Protocol.Connection;
using Pool.Protocol.Payloads;
using Pool.Protocol.Retries;
using Pool.Protocol.Working;
using Pool.Worker.Limits;
using Serilog;

namespace Pool.Worker.Running;

/// <summary>
/// The worker's main loop: reserve, run, settle, repeat.
/// Delivery: a worker holds one job at a time, and only while it runs it. After a completed job
/// the ack and the next reserve travel in one script, and the reply is awaited before the next
/// job starts, so a kill at any instant re-runs at most the one job whose ack was on its way;
/// nothing unstarted is ever hidden in a worker, where Resque's tools cannot see or remove it.
/// Idle: a reserve that finds nothing registers the worker as idle, and it blocks on its mailbox
/// and wake lists, costing Redis about two commands a second. A Pool enqueue hands an idle
/// worker its job through the mailbox, so the job starts one round trip after the enqueue.
/// Stops: QUIT lets the current job finish; TERM cancels its token and waits up to the deadline;
/// INT abandons it at once. An unfinished job goes back to the head of its queue before the
/// worker unregisters and exits 0.
/// Swept: a worker that finds a recovery took its registration (its lease ran out during a stall
/// or an outage) starts nothing more until it has registered again, and the job it was running,
/// now requeued for others, gets its token fired and is neither acked nor requeued.
/// </summary>
internal sealed class WorkerLoop(IWorkerStore store, IWakeWaiter waker, JobExecution execution, WorkerControl control, RedisGuard redis, ILogger log, JobBudget? budget = null)
{
    private readonly JobBudget _budget = budget ?? new JobBudget(null);

    private static readonly TimeSpan FastJob = TimeSpan.FromMilliseconds(2);

    private bool _lastWasFast;

    // The class and queue of the job whose ack is folded into the next reserve, for its log line.
    private (string Class, string Queue)? _lastJob;

    /// <summary>Log lines are written in batches while fast jobs run back to back (null: always at once).</summary>
    public Pool.Logging.BatchingStdoutSink? LogBatching { get; init; }

    // The idle BLPOP outlives a signal that interrupts the wait, and the next idle wait takes it
    // over rather than queueing a second BLPOP behind it. A job it brings from the mailbox is
    // only run when no reserve has run since it was sent: every reserve empties the mailbox and
    // hands back (or, when not taking jobs, puts back) what the worker holds, so a stale copy
    // would run the job twice. Both fields belong to the loop's single flow of control.
    private Task<Reservation?>? _pendingWait;
    private long _reserves, _waitSentAfter;

    public async Task RunAsync()
    {
        // The ack owed for the last job (folded into the next reserve), and its retry counter if it was a retry.
        string? ackRid = null, ackCounter = null;
        while (true)
        {
            var wantJob = control.TakingJobs;
            if (!wantJob && ackRid is null)
            {
                LogBatching?.Batching = false;
                if (control.Stop != StopMode.None) return;
                // Leave the idle set, so no enqueue hands a job to a paused worker.
                _reserves++;
                await Settle("pause", () => store.ReserveAsync(null, reserve: false)).ConfigureAwait(false);
                // The change to wait for is taken before the state is read again: a CONT that
                // came while the pause settled must not leave the lane waiting for the next one.
                var changed = control.WhenChanged;
                if (control.Paused && control.Stop == StopMode.None)
                {
                    if (control.LanePaused()) log.Information("Paused: taking no new jobs until CONT");
                    await changed.ConfigureAwait(false);
                    if (control.LaneResumed()) log.Information("Resumed");
                }
                continue;
            }

            var (ack, counter) = (ackRid, ackCounter);
            _reserves++;
            ReserveResult result;
            try
            {
                // Owing an ack, the worker keeps trying through an outage until it gives up;
                // owing nothing, a stop ends the attempt at once (Redis down at TERM must not
                // hold an idle worker until its deadline).
                result = await redis.RunAsync("reserve", () => store.ReserveAsync(ack, wantJob, counter), ack is null ? control.Stopping : control.GiveUp).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ack is null && control.Stopping.IsCancellationRequested)
            {
                return;
            }
            ackRid = ackCounter = null;
            switch (result.Status)
            {
                case ReserveStatus.Job when !control.TakingJobs:
                    // A stop or pause came while the reserve was in flight: the job has not
                    // started, and QUIT and USR2 start nothing new either, so it goes back.
                    await PutBackAsync(result.Job!).ConfigureAwait(false);
                    break;
                case ReserveStatus.Job:
                    (ackRid, ackCounter) = await RunJobAsync(result.Job!).ConfigureAwait(false);
                    break;
                case ReserveStatus.Swept:
                    // Its last job finished during the stall, but the sweep had already requeued
                    // it: the ack was refused, and the job will run again elsewhere (the one
                    // re-run a stall past the lease can cost a bare worker; see docs/worker.md).
                    if (ack is not null && _lastJob is { } last)
                        log.Warning("Job given up {Class} queue={Queue}: it finished, but this worker's registration was gone from Redis when it acked, so the ack was refused: a sweep took it as dead (silent past its lease) and requeued the job, which runs again elsewhere, or Redis lost its data", last.Class, last.Queue);
                    // Nothing is held any more; a stopping worker just leaves.
                    if (control.Stop != StopMode.None) return;
                    log.Warning("This worker's registration was gone from Redis (swept as dead after a stall or an outage past its lease, or Redis lost its data); registering again before taking jobs");
                    await Settle("register", async () => { await store.RegisterAsync().ConfigureAwait(false); return true; }).ConfigureAwait(false);
                    break;
                case ReserveStatus.Empty:
                case ReserveStatus.Paused:
                    _lastWasFast = false;
                    // A job handed over as a stop or pause arrived stays held: the stop's
                    // unregister or the pause's reserve puts it back for another worker.
                    // Paused by resque:pause-all-workers, the worker waits like an idle one: the
                    // poll looks at the flag again, and `pool-master resume` wakes it at once.
                    if (await IdleAsync().ConfigureAwait(false) is { } handed
                        && control.Stop == StopMode.None && !control.Paused)
                        (ackRid, ackCounter) = await RunJobAsync(handed).ConfigureAwait(false);
                    break;
            }
        }
    }

    /// <summary>
    /// Runs one job and settles it; returns its rid when the ack is still owed (folded into the
    /// next call), with its resque-retry counter when it was a retry (the ack deletes it).
    /// </summary>
    private async Task<(string? Rid, string? RetryCounter)> RunJobAsync(Reservation job)
    {
        var started = control.Time.GetTimestamp();
        var decoded = PayloadCodec.TryDecode(job.Payload, out var payload, out var error);
        var cls = decoded ? payload!.Class : "?";
        // From here a USR1 belongs to this job, even before its token exists.
        control.JobReserved();
        // Only a job expected to be fast has its lines batched; any other shows them at once.
        LogBatching?.Batching = _lastWasFast && control.Stop == StopMode.None;
        log.Information("Job started {Class} queue={Queue}", cls, job.Queue);
        var outcome = decoded
            ? await execution.RunAsync(payload!, checkpoint => Settle("checkpoint", () => store.CheckpointAsync(job, checkpoint))).ConfigureAwait(false)
            : JobOutcome.Fail("Pool::InvalidPayload", error!);
        var elapsed = control.Time.GetElapsedTime(started);
        _lastWasFast = elapsed < FastJob;
        var ms = elapsed.TotalMilliseconds;
        if (control.ReservationLost)
        {
            // Recovered elsewhere while it ran: acking would record someone else's run, and a
            // requeue would add a third copy. The worker forgets it.
            log.Warning("Job given up {Class} queue={Queue} duration={Duration:0.0}ms: this worker's registration was gone from Redis while it ran (swept as dead, its job requeued for another worker, or Redis lost its data); not acked, not requeued here", cls, job.Queue, ms);
            return default;
        }
        CheckLimits(outcome, cls, job.Queue);
        switch (outcome.Kind)
        {
            case JobOutcomeKind.Completed:
                _lastJob = (cls, job.Queue);
                log.Information("Job done {Class} queue={Queue} duration={Duration:0.0}ms outcome=completed", cls, job.Queue, ms);
                return (job.Rid, payload?.RetryCounter);
            case JobOutcomeKind.Requeue:
                var requeue = await Settle("requeue", () => store.RequeueAsync(job, outcome.Payload)).ConfigureAwait(false);
                if (requeue == RequeueOutcome.Poisoned)
                    log.Warning("Job done {Class} queue={Queue} duration={Duration:0.0}ms outcome=poison ({Reason}): its master stopped this worker for memory while it ran once too often; failed as Pool::PoisonJob", cls, job.Queue, ms, outcome.Reason);
                else if (requeue == RequeueOutcome.QueueRemoved)
                    log.Warning("Job done {Class} queue={Queue} duration={Duration:0.0}ms outcome=failed Pool::QueueRemoved ({Reason}): its queue was removed while it ran, so it was not requeued (the queue stays removed); retry it from resque:failed if it should still run", cls, job.Queue, ms, outcome.Reason);
                else
                    log.Information("Job done {Class} queue={Queue} duration={Duration:0.0}ms outcome=requeued ({Reason})", cls, job.Queue, ms, outcome.Reason);
                return default;
            default:
                var failed = await Settle("fail", () => store.FailAsync(job, outcome.Exception!, outcome.Error!, outcome.Backtrace!, outcome.Payload)).ConfigureAwait(false);
                if (failed.Fate == FailureFate.Retried)
                    log.Warning("Job done {Class} queue={Queue} duration={Duration:0.0}ms outcome=failed {Exception}: {Error}; retry scheduled in {Delay:0}s (attempt {Attempt} of {Runs} failed)", cls, job.Queue, ms, outcome.Exception, outcome.Error,
                        failed.Delay.TotalSeconds, failed.Attempt, failed.Retries < 0 ? "unlimited" : failed.Retries + 1);
                else
                    log.Warning("Job done {Class} queue={Queue} duration={Duration:0.0}ms outcome=failed {Exception}: {Error}", cls, job.Queue, ms, outcome.Exception, outcome.Error);
                return default;
        }
    }

    /// <summary>Returns a job it will not start to the head of its queue, untouched.</summary>
    private async Task PutBackAsync(Reservation job)
    {
        var put = await Settle("requeue", () => store.RequeueAsync(job, null)).ConfigureAwait(false);
        var cls = PayloadCodec.TryDecode(job.Payload, out var payload, out _) ? payload!.Class : "?";
        var stop = control.Stop;
        var why = stop == StopMode.None ? "USR2" : stop.ToString().ToUpperInvariant();
        if (put == RequeueOutcome.QueueRemoved)
            log.Warning("Job not started {Class} queue={Queue}: {Signal} came while it was being reserved, and its queue was removed meanwhile; recorded in resque:failed as Pool::QueueRemoved instead of requeued", cls, job.Queue, why);
        else
            log.Information("Job not started {Class} queue={Queue}: {Signal} came while it was being reserved; requeued", cls, job.Queue, why);
    }

    /// <summary>
    /// Recycling decided by this worker itself: a job past its hard time limit (its thread cannot
    /// be stopped) or max_jobs spent. Either way the current job is settled first, then the loop
    /// stops and the process exits 0; the master refills the slot at once. After max_jobs it stops
    /// as on QUIT. Past a hard limit it stops as on INT: the abandoned job still runs on its thread
    /// until the process exits, while its failure (and so its retry) is already in Redis, so the
    /// other lanes' jobs are requeued at once rather than finished; waiting for them let the retry
    /// start elsewhere while the first copy still ran (and finished).
    /// </summary>
    private void CheckLimits(JobOutcome outcome, string cls, string queue)
    {
        if (outcome.RecycleWorker)
        {
            log.Warning("Recycling this worker: job {Class} queue={Queue} ignored its token past its hard time limit ({Error})", cls, queue, outcome.Error);
            control.RequestRecycle(StopMode.Int);
        }
        // A job put back (TERM, USR1, a slice) was not processed: max_jobs counts it when it runs to its end.
        else if (outcome.Kind != JobOutcomeKind.Requeue && _budget.Spend(out var first))
        {
            if (first)
                log.Information("Recycling this worker: max_jobs={MaxJobs} reached (last job {Class} queue={Queue}); exiting after it is settled", _budget.Max, cls, queue);
            control.RequestRecycle();
        }
    }

    /// <summary>Settling retries through an outage; once stopping, only until <see cref="WorkerControl.GiveUp"/>.</summary>
    private Task<T> Settle<T>(string what, Func<Task<T>> call) => redis.RunAsync(what, call, control.GiveUp);

    /// <summary>Waits for work or a change of state; returns the job an enqueue handed over, if any.</summary>
    private async Task<Reservation?> IdleAsync()
    {
        LogBatching?.Batching = false;
        var changed = control.WhenChanged;
        // A signal that came while the reserve was in flight completed the WhenChanged before
        // this one, so waiting on this one would sleep through it until the poll (up to 1 s).
        if (control.Stop != StopMode.None || control.Paused) return null;
        if (_pendingWait is null)
        {
            _pendingWait = redis.RunAsync("wait", waker.WaitAsync, control.Shutdown);
            _waitSentAfter = _reserves;
            // A BLPOP left behind by a stop fails when its connection closes; nothing awaits it then.
            _pendingWait.ObserveFault();
        }
        var wait = _pendingWait;
        await Task.WhenAny(wait, changed).ConfigureAwait(false);
        if (!wait.IsCompleted) return null;
        _pendingWait = null;
        return wait.IsCompletedSuccessfully && _waitSentAfter == _reserves ? wait.Result : null;
    }
}
