using Pool.Protocol.Payloads;
using Pool.Protocol.Working;
using Pool.Worker.Jobs;

namespace Pool.Worker.Running;

/// <summary>
/// Runs one reserved job to an outcome. The job runs on the thread pool so that a job that
/// blocks or ignores its token cannot stop the worker from meeting its deadlines: on INT the
/// job is abandoned at once, on TERM at the deadline, and either way it is requeued.
/// </summary>
internal sealed class JobExecution(JobRegistry registry, JobInvoker invoker, WorkerControl control, TimeSpan termTimeout)
{
    public Task<JobOutcome> RunAsync(Reservation job) =>
        PayloadCodec.TryDecode(job.Payload, out var payload, out var error)
            ? RunAsync(payload!)
            : Task.FromResult(JobOutcome.Fail("Pool::InvalidPayload", error!));

    /// <summary>Runs a payload the caller has already decoded (the loop decodes once, for its log line too).</summary>
    public async Task<JobOutcome> RunAsync(JobPayload payload)
    {
        if (!registry.TryGet(payload.Class, out var descriptor))
            return JobOutcome.Fail("Pool::UnknownJob",
                $"no job class named '{payload.Class}' is loaded; known: {string.Join(", ", registry.Names)}");

        using var jobCts = control.BeginJob();
        try
        {
            object?[] arguments;
            try
            {
                arguments = descriptor!.Bind(payload.Args, jobCts.Token);
            }
            catch (JobArgumentException e)
            {
                return JobOutcome.Fail("Pool::ArgumentError", e.Message);
            }

            var work = Task.Run(() => invoker.InvokeAsync(descriptor, arguments));
            var abandoned = await WaitAsync(work).ConfigureAwait(false);
            if (abandoned is not null) return JobOutcome.Requeue(abandoned);
            return Classify(work, jobCts.Token);
        }
        finally
        {
            control.EndJob();
        }
    }

    /// <summary>Waits for the job, or returns why it is abandoned (INT, or TERM's deadline passed).</summary>
    private async Task<string?> WaitAsync(Task work)
    {
        while (!work.IsCompleted)
        {
            switch (control.Stop)
            {
                case StopMode.Int:
                    return "aborted by INT";
                case StopMode.Term:
                    var left = termTimeout - control.Time.GetElapsedTime(control.TermAtTimestamp);
                    if (left <= TimeSpan.Zero) return $"still running at the TERM deadline ({termTimeout.TotalSeconds:0.#} s)";
                    await Task.WhenAny(work, control.WhenChanged, Task.Delay(left, control.Time)).ConfigureAwait(false);
                    break;
                default:
                    await Task.WhenAny(work, control.WhenChanged).ConfigureAwait(false);
                    break;
            }
        }
        return null;
    }

    private JobOutcome Classify(Task work, CancellationToken jobToken)
    {
        if (work.IsCompletedSuccessfully) return JobOutcome.Completed;
        var e = work.Exception?.InnerException ?? (Exception?)work.Exception;
        // Cancellation counts as "stopped by us" only when our token fired; a job's own timeout
        // (some other token) is a failure like any other exception.
        if ((work.IsCanceled || e is OperationCanceledException) && jobToken.IsCancellationRequested)
            return JobOutcome.Requeue(control.Shutdown.IsCancellationRequested ? "cancelled by shutdown" : "aborted by USR1");
        if (e is null) return JobOutcome.Fail("System.OperationCanceledException", "the job was cancelled by a token of its own, not by the worker (a timeout of its own?)");
        return JobOutcome.Fail(e);
    }
}
