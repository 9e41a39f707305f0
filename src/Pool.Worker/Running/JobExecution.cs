using Pool.Protocol.Payloads;
using Pool.Protocol.Working;
using Pool.Worker.Iteration;
using Pool.Worker.Jobs;
using Pool.Worker.Limits;
using Serilog;

namespace Pool.Worker.Running;

/// <summary>
/// Runs one reserved job to an outcome. The job runs apart from the worker's own flow (on the
/// thread pool, or on the idle-wait thread that just delivered it: see
/// <see cref="Pool.Protocol.Connection.BlockingPopConnection.RunNext"/>) so that a job that
/// blocks or ignores its token cannot stop the worker from meeting its deadlines: on INT the
/// job is abandoned at once, on TERM at the deadline, and either way it is requeued; past its
/// hard time limit it is failed and the worker recycles itself.
/// Three tokens, told apart when the job ends: the worker's (TERM, INT, USR1: requeue), the
/// soft time limit's (the job's own timeout: failure), and for iteration jobs "abort", which
/// reaches the item in flight only when the item itself must stop (soft limit, abandonment).
/// </summary>
internal sealed class JobExecution(JobRegistry registry, JobInvoker invoker, WorkerControl control, TimeSpan termTimeout, ILogger? log = null, TimeLimit? defaultLimit = null)
{
    public Task<JobOutcome> RunAsync(Reservation job) =>
        PayloadCodec.TryDecode(job.Payload, out var payload, out var error)
            ? RunAsync(payload!)
            : Task.FromResult(JobOutcome.Fail("Pool::InvalidPayload", error!));

    /// <summary>
    /// Runs a payload the caller has already decoded (the loop decodes once, for its log line too).
    /// <paramref name="checkpoint"/> stores an iteration job's checkpointed payload in Redis.
    /// </summary>
    public async Task<JobOutcome> RunAsync(JobPayload payload, Func<string, Task>? checkpoint = null)
    {
        if (!registry.TryGet(payload.Class, out var descriptor))
            return JobOutcome.Fail("Pool::UnknownJob",
                $"no job class named '{payload.Class}' is loaded; known: {string.Join(", ", registry.Names)}");

        var limit = descriptor!.TimeLimit ?? defaultLimit;
        using var jobCts = control.BeginJob();
        // Only the tokens this job can use are made: a no-op job runs thousands of times a
        // second, and each source is an allocation and a registration. The soft time limit's
        // source exists only under a limit; "abort" only for iteration jobs.
        using var soft = limit is null ? null : new CancellationTokenSource(Timeout.InfiniteTimeSpan, control.Time);
        var softToken = soft?.Token ?? CancellationToken.None;
        using var abort = descriptor.IsIteration ? CancellationTokenSource.CreateLinkedTokenSource(softToken) : null;
        using var linked = soft is null ? null : CancellationTokenSource.CreateLinkedTokenSource(jobCts.Token, softToken);
        var jobToken = linked?.Token ?? jobCts.Token;
        var abortToken = abort?.Token ?? CancellationToken.None;
        var iteration = descriptor.IsIteration
            ? new IterationContext(payload.Class, payload.Raw, control.Time, jobCts.Token, StopReason, checkpoint ?? (_ => Task.CompletedTask), log ?? Serilog.Core.Logger.None)
            : null;
        try
        {
            object?[] arguments;
            try
            {
                arguments = descriptor.Bind(payload.Args, iteration is null ? jobToken : abortToken);
            }
            catch (JobArgumentException e)
            {
                return JobOutcome.Fail("Pool::ArgumentError", e.Message);
            }

            var started = control.Time.GetTimestamp();
            if (limit is { } l) soft!.CancelAfter(l.Soft);
            var work = Pool.Protocol.Connection.BlockingPopConnection.RunNext(() => invoker.InvokeAsync(descriptor, arguments, iteration, abortToken));
            var abandoned = await WaitAsync(work, payload.Class, limit, started, iteration).ConfigureAwait(false);
            if (abandoned is not null)
            {
                // The job is left behind; this at least tells a cooperative item to stop.
                if (abort is not null) await abort.CancelAsync().ConfigureAwait(false);
                return abandoned;
            }
            return Classify(work, payload.Class, jobCts.Token, softToken, limit, iteration);
        }
        finally
        {
            control.EndJob();
        }
    }

    private string StopReason() =>
        control.ReservationLost ? "its reservation was taken (this worker was swept as dead)"
        : control.Shutdown.IsCancellationRequested ? "cancelled by shutdown" : "aborted by USR1";

    /// <summary>Waits for the job, or returns why it is abandoned: INT, TERM's deadline, or its hard time limit.</summary>
    private async Task<JobOutcome?> WaitAsync(Task work, string cls, TimeLimit? limit, long started, IterationContext? iteration)
    {
        while (!work.IsCompleted)
        {
            // Taken before the state is read: an INT or TERM that comes between the read and the
            // wait completes this one, and is not slept through until the job ends.
            var changed = control.WhenChanged;
            var wait = Timeout.InfiniteTimeSpan;
            if (limit is { } l)
            {
                var left = l.Hard - control.Time.GetElapsedTime(started);
                if (left <= TimeSpan.Zero)
                {
                    var timedOut = JobOutcome.Fail(JobOutcome.TimeoutException,
                        $"{cls} was still running at its hard time limit ({l}): it ignored its token, so its worker is recycled");
                    return timedOut with { Payload = iteration?.CurrentPayload, RecycleWorker = true };
                }
                wait = left;
            }
            switch (control.Stop)
            {
                case StopMode.Int:
                    return JobOutcome.Requeue(control.Recycling ? "aborted: a job on another lane passed its hard time limit, so this worker recycles at once" : "aborted by INT", iteration?.CurrentPayload);
                case StopMode.Term:
                    var left = termTimeout - control.Time.GetElapsedTime(control.TermAtTimestamp);
                    if (left <= TimeSpan.Zero)
                        return JobOutcome.Requeue($"still running at the TERM deadline ({termTimeout.TotalSeconds:0.#} s)", iteration?.CurrentPayload);
                    if (wait == Timeout.InfiniteTimeSpan || left < wait) wait = left;
                    break;
            }
            if (wait == Timeout.InfiniteTimeSpan)
            {
                // No deadline to watch (the common case): the job's end or a signal, no timer.
                await Task.WhenAny(work, changed).ConfigureAwait(false);
                continue;
            }
            using var stopTimer = new CancellationTokenSource();
            await Task.WhenAny(work, changed, Task.Delay(wait, control.Time, stopTimer.Token)).ConfigureAwait(false);
            await stopTimer.CancelAsync().ConfigureAwait(false);
        }
        return null;
    }

    private JobOutcome Classify(Task work, string cls, CancellationToken workerToken, CancellationToken softToken, TimeLimit? limit, IterationContext? iteration)
    {
        if (work.IsCompletedSuccessfully)
            return iteration?.Interruption is { } reason ? JobOutcome.Requeue(reason, iteration.CurrentPayload) : JobOutcome.Completed;
        var e = work.Exception?.InnerException ?? (Exception?)work.Exception;
        var cancelled = work.IsCanceled || e is OperationCanceledException;
        // Cancellation counts as "stopped by us" only when the worker's token fired; the job's
        // own time limit is a failure, and so is a timeout of the job's own making.
        if (cancelled && workerToken.IsCancellationRequested)
            return JobOutcome.Requeue(StopReason(), iteration?.CurrentPayload);
        JobOutcome outcome;
        if (e is IterationLimitException) outcome = JobOutcome.Fail(IterationLimitException.ResqueName, e.Message);
        else if (cancelled && softToken.IsCancellationRequested)
            outcome = JobOutcome.Fail(JobOutcome.TimeoutException, $"{cls} passed its soft time limit ({limit}) and stopped");
        else if (e is null) outcome = JobOutcome.Fail("System.OperationCanceledException", "the job was cancelled by a token of its own, not by the worker (a timeout of its own?)");
        else outcome = JobOutcome.Fail(e);
        return outcome with { Payload = iteration?.CurrentPayload };
    }
}
