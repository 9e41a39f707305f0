using System.Text.Json;
using Pool.Protocol.Payloads;
using Pool.Worker.Jobs;

namespace Pool.Worker.Iteration;

/// <summary>
/// A long job made of items, that makes progress across restarts. Its public <c>Perform(...)</c>
/// takes the payload's args (bound by position, as for any job) and returns the
/// <see cref="Enumeration{TItem,TCursor}"/> to walk; <see cref="EachAsync"/> does one item.
/// <para>
/// After every item the cursor is saved into the payload (field "pool_iteration") and, every
/// <see cref="CheckpointInterval"/>, into Redis. On TERM or USR1, or when <see cref="MaxSlice"/>
/// is used up, the run stops BETWEEN items and the job goes back to the head of its queue with
/// its cursor; the next worker resumes after the last finished item. Only a kill -9 can repeat
/// an item: the one in flight (and, with a CheckpointInterval above zero, those since the last
/// checkpoint).
/// </para>
/// </summary>
public abstract class IterationJob<TItem, TCursor> : IJob, IIterationJob
{
    /// <summary>A run longer than this stops between items and requeues itself so other jobs get a turn. Null: no slice.</summary>
    protected TimeSpan? MaxSlice { get; set; }

    /// <summary>Interruptions allowed; the next one fails the job as Pool::IterationLimit. Null: no limit.</summary>
    protected int? MaxResumptions { get; set; }

    /// <summary>
    /// How often the cursor is written to Redis. Zero (the default) writes it after every item
    /// (one round trip each), so kill -9 repeats at most the item in flight. Raise it for cheap,
    /// idempotent items when throughput matters more.
    /// </summary>
    protected TimeSpan CheckpointInterval { get; set; } = TimeSpan.Zero;

    /// <summary>Does one item. The token fires only when the item itself must stop (time limit, INT, TERM deadline); TERM waits for the item.</summary>
    protected abstract ValueTask EachAsync(TItem item, CancellationToken token);

    protected virtual ValueTask OnStartAsync(IterationProgress progress) => ValueTask.CompletedTask;
    protected virtual ValueTask OnInterruptedAsync(IterationProgress progress, string reason) => ValueTask.CompletedTask;
    protected virtual ValueTask OnCompletedAsync(IterationProgress progress) => ValueTask.CompletedTask;
    protected virtual ValueTask OnFailedAsync(IterationProgress progress, Exception error) => ValueTask.CompletedTask;

    async Task IIterationJob.RunAsync(object? enumeration, IterationContext context, CancellationToken abort)
    {
        if (enumeration is Task<Enumeration<TItem, TCursor>> { IsCompletedSuccessfully: true } performed) enumeration = performed.Result;
        if (enumeration is not Enumeration<TItem, TCursor> items)
            throw new InvalidOperationException($"{GetType().Name}.Perform must return an Enumeration<{typeof(TItem).Name}, {typeof(TCursor).Name}>; it returned {enumeration?.GetType().Name ?? "null"}");
        var run = new Run(this, context);
        await run.StartAsync().ConfigureAwait(false);
        try
        {
            await using var e = items.ReadAsync(run.Resume, abort).GetAsyncEnumerator(abort);
            while (true)
            {
                if (run.StopReason() is { } reason)
                {
                    await run.InterruptAsync(reason).ConfigureAwait(false);
                    return;
                }
                abort.ThrowIfCancellationRequested();
                if (!await e.MoveNextAsync().ConfigureAwait(false)) break;
                await EachAsync(e.Current.Item, abort).ConfigureAwait(false);
                await run.DoneAsync(e.Current.Next).ConfigureAwait(false);
            }
        }
        catch (Exception error) when (error is not IterationLimitException)
        {
            await run.FailAsync(error).ConfigureAwait(false);
            throw;
        }
        await run.CompleteAsync().ConfigureAwait(false);
    }

    /// <summary>One run's bookkeeping: cursor, counters, checkpoints, callbacks and their log lines.</summary>
    private sealed class Run(IterationJob<TItem, TCursor> job, IterationContext context)
    {
        private readonly long _startedAt = context.Time.GetTimestamp();
        private long _lastPersistAt = context.Time.GetTimestamp();
        private string? _cursor = context.Start.Cursor;
        private long _items;

        public Resume<TCursor> Resume => _cursor is null
            ? Resume<TCursor>.Start
            : Resume<TCursor>.From(JsonSerializer.Deserialize(_cursor, CursorJson)!);

        /// <summary>The cursor's JSON contract, asked of the options (see <see cref="ResqueJson.TypeInfo"/>).</summary>
        private static System.Text.Json.Serialization.Metadata.JsonTypeInfo<TCursor> CursorJson => (System.Text.Json.Serialization.Metadata.JsonTypeInfo<TCursor>)ResqueJson.TypeInfo(typeof(TCursor));

        private TimeSpan RunTime => TimeSpan.FromMilliseconds(context.Start.RunTimeMs) + context.Time.GetElapsedTime(_startedAt);

        private IterationState State(int interruptions) => new(_cursor, interruptions, (long)RunTime.TotalMilliseconds);

        private IterationProgress Progress(int interruptions) => new(context.JobClass, _cursor, interruptions, RunTime, _items);

        public async Task StartAsync()
        {
            var p = Progress(context.Start.Interruptions);
            Log("started", p, null);
            await job.OnStartAsync(p).ConfigureAwait(false);
        }

        /// <summary>Why to stop before the next item: a stop signal or the slice; null to go on.</summary>
        public string? StopReason()
        {
            if (context.Stop.IsCancellationRequested) return context.StopReason;
            if (job.MaxSlice is { } slice && context.Time.GetElapsedTime(_startedAt) >= slice)
                return $"slice of {slice.TotalMilliseconds:0} ms used up";
            return null;
        }

        public async Task DoneAsync(TCursor next)
        {
            _cursor = JsonSerializer.Serialize(next, CursorJson);
            _items++;
            context.Advance(State(context.Start.Interruptions).WriteInto(context.OriginalPayload));
            var now = context.Time.GetTimestamp();
            if (context.Time.GetElapsedTime(_lastPersistAt, now) < job.CheckpointInterval) return;
            _lastPersistAt = now;
            await context.PersistAsync().ConfigureAwait(false);
        }

        public async Task InterruptAsync(string reason)
        {
            var interruptions = context.Start.Interruptions + 1;
            var p = Progress(interruptions);
            var payload = State(interruptions).WriteInto(context.OriginalPayload);
            if (job.MaxResumptions is { } max && interruptions > max)
            {
                var error = new IterationLimitException(
                    $"{context.JobClass} was interrupted {interruptions} times ({reason} this time), over its limit of {max} resumptions; cursor={_cursor ?? "none"}, run_time_ms={(long)p.RunTime.TotalMilliseconds}");
                context.Advance(payload);
                Log("failed", p, error.Message);
                await job.OnFailedAsync(p, error).ConfigureAwait(false);
                throw error;
            }
            context.Interrupt(reason, payload);
            Log("interrupted", p, reason);
            await job.OnInterruptedAsync(p, reason).ConfigureAwait(false);
        }

        public async Task CompleteAsync()
        {
            var p = Progress(context.Start.Interruptions);
            Log("completed", p, null);
            await job.OnCompletedAsync(p).ConfigureAwait(false);
        }

        public async Task FailAsync(Exception error)
        {
            var p = Progress(context.Start.Interruptions);
            Log("failed", p, $"{error.GetType().Name}: {error.Message}");
            try
            {
                await job.OnFailedAsync(p, error).ConfigureAwait(false);
            }
            catch (Exception callback)
            {
                // The job's own failure is what gets reported; a failing callback only gets a log line.
                context.Log.Warning("Iteration OnFailedAsync of {Class} threw {Error}", context.JobClass, callback.Message);
            }
        }

        private void Log(string what, IterationProgress p, string? detail) =>
            context.Log.Information("Iteration {What} {Class} cursor={Cursor} interruptions={Interruptions} run_time_ms={RunTimeMs} items={Items}{Detail}",
                what, p.JobClass, p.Cursor ?? "none", p.Interruptions, (long)p.RunTime.TotalMilliseconds, p.ItemsThisRun, detail is null ? "" : " (" + detail + ")");
    }
}
