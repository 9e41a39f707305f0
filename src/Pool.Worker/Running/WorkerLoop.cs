using System.Diagnostics;
using Pool.Protocol.Payloads;
using Pool.Protocol.Working;
using Serilog;

namespace Pool.Worker.Running;

/// <summary>
/// The worker's main loop: reserve, run, settle, repeat. After a completed job the ack and the
/// next reserve travel in one script, so a busy worker makes one round trip per job. When idle it
/// blocks on its wake lists, so it costs Redis about two commands a second.
/// Stops: QUIT lets the current job finish; TERM cancels its token and waits up to the deadline;
/// INT abandons it at once. In every case an unfinished job goes back to the head of its queue
/// before the worker unregisters and exits 0.
/// </summary>
internal sealed class WorkerLoop(WorkerStore store, WakeWaiter waker, JobExecution execution, WorkerControl control, RedisGuard redis, ILogger log)
{
    public async Task RunAsync()
    {
        string? ackRid = null;
        while (true)
        {
            var wantJob = control.Stop == StopMode.None && !control.Paused;
            if (!wantJob && ackRid is null)
            {
                if (control.Stop != StopMode.None) return;
                log.Information("Paused: taking no new jobs until CONT");
                await control.WhenChanged.ConfigureAwait(false);
                if (!control.Paused && control.Stop == StopMode.None) log.Information("Resumed");
                continue;
            }

            var result = await redis.RunAsync("reserve", () => store.ReserveAsync(ackRid, wantJob), StopGiveUp()).ConfigureAwait(false);
            ackRid = null;
            switch (result.Status)
            {
                case ReserveStatus.Job:
                    ackRid = await RunJobAsync(result.Job!).ConfigureAwait(false);
                    break;
                case ReserveStatus.Empty:
                case ReserveStatus.Paused:
                    await IdleAsync(result.Status == ReserveStatus.Paused).ConfigureAwait(false);
                    break;
            }
        }
    }

    /// <summary>Runs one job and settles it; returns its rid when the ack is still owed (folded into the next reserve).</summary>
    private async Task<string?> RunJobAsync(Reservation job)
    {
        var started = Stopwatch.GetTimestamp();
        var cls = PayloadCodec.TryDecode(job.Payload, out var p, out _) ? p!.Class : "?";
        log.Information("Job started {Class} queue={Queue}", cls, job.Queue);
        var outcome = await execution.RunAsync(job).ConfigureAwait(false);
        var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        switch (outcome.Kind)
        {
            case JobOutcomeKind.Completed:
                log.Information("Job done {Class} queue={Queue} duration={Duration:0.0}ms outcome=completed", cls, job.Queue, ms);
                return job.Rid;
            case JobOutcomeKind.Requeue:
                await redis.RunAsync("requeue", () => store.RequeueAsync(job), StopGiveUp()).ConfigureAwait(false);
                log.Information("Job done {Class} queue={Queue} duration={Duration:0.0}ms outcome=requeued ({Reason})", cls, job.Queue, ms, outcome.Reason);
                return null;
            default:
                await redis.RunAsync("fail", () => store.FailAsync(job, outcome.Exception!, outcome.Error!, outcome.Backtrace!), StopGiveUp()).ConfigureAwait(false);
                log.Warning("Job done {Class} queue={Queue} duration={Duration:0.0}ms outcome=failed {Exception}: {Error}", cls, job.Queue, ms, outcome.Exception, outcome.Error);
                return null;
        }
    }

    private async Task IdleAsync(bool pausedByFlag)
    {
        var changed = control.WhenChanged;
        if (pausedByFlag)
        {
            // resque:pause-all-workers is set: look again after the poll interval.
            await Task.WhenAny(changed, Task.Delay(TimeSpan.FromSeconds(1))).ConfigureAwait(false);
            return;
        }
        var wait = redis.RunAsync("wait", waker.WaitAsync, control.Shutdown);
        await Task.WhenAny(wait, changed).ConfigureAwait(false);
        // A BLPOP left behind by a stop completes within the poll interval; nothing awaits it.
        _ = wait.ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
    }

    /// <summary>
    /// Settling a job retries through an outage even while stopping: giving up would only leave
    /// the job for lease recovery, and the master's kill deadline bounds the wait anyway.
    /// </summary>
    private static CancellationToken StopGiveUp() => CancellationToken.None;
}
