using Pool.Protocol.Payloads;
using Pool.Worker.Iteration;
using Pool.Worker.Jobs;
using Pool.Worker.Running;
using Microsoft.Extensions.Time.Testing;

namespace Pool.Worker.Tests.Iteration;

/// <summary>An iteration run in process, on a manual clock: each item "takes" 300 ms of it.</summary>
public sealed class IterationRunTests
{
    private static readonly AsyncLocal<FakeTimeProvider?> Clock = new();

    public sealed class Ticks : IterationJob<long, long>
    {
        public static readonly List<string> Events = [];

        public Enumeration<long, long> Perform(int n, int slice_ms)
        {
            if (slice_ms > 0) MaxSlice = TimeSpan.FromMilliseconds(slice_ms);
            return Enumerate.Range(0, n);
        }

        protected override ValueTask EachAsync(long item, CancellationToken token)
        {
            Clock.Value!.Advance(TimeSpan.FromMilliseconds(300));
            return ValueTask.CompletedTask;
        }

        protected override ValueTask OnStartAsync(IterationProgress p) => Note($"start {p.Cursor ?? "-"}");
        protected override ValueTask OnInterruptedAsync(IterationProgress p, string reason) => Note($"interrupted {p.Cursor} {p.Interruptions}");
        protected override ValueTask OnCompletedAsync(IterationProgress p) => Note($"completed {p.Cursor}");

        private static ValueTask Note(string e)
        {
            lock (Events) Events.Add(e);
            return ValueTask.CompletedTask;
        }
    }

    private static (JobExecution, List<string>) Create()
    {
        var clock = new FakeTimeProvider();
        Clock.Value = clock;
        var execution = new JobExecution(new JobRegistry().Add<Ticks>(), new JobInvoker(null), new WorkerControl(clock), TimeSpan.FromSeconds(25));
        return (execution, []);
    }

    private static Task<JobOutcome> Run(JobExecution execution, string raw, List<string> checkpoints)
    {
        Assert.True(PayloadCodec.TryDecode(raw, out var payload, out _));
        return execution.RunAsync(payload!, p => { lock (checkpoints) checkpoints.Add(p); return Task.CompletedTask; });
    }

    [Fact(Timeout = 10_000)]
    public async Task A_used_up_slice_stops_between_items_and_requeues_with_cursor_and_counters()
    {
        var (execution, checkpoints) = Create();
        var outcome = await Run(execution, """{"class":"Ticks","args":[10,1000]}""", checkpoints);

        Assert.Equal(JobOutcomeKind.Requeue, outcome.Kind);
        Assert.Equal("slice of 1000 ms used up", outcome.Reason);
        Assert.Equal("""{"class":"Ticks","args":[10,1000],"pool_iteration":{"cursor":4,"interruptions":1,"run_time_ms":1200}}""", outcome.Payload);
        // One checkpoint per item by default, each with the cursor after that item.
        Assert.Equal([1, 2, 3, 4], checkpoints.Select(c => int.Parse(IterationState.Read(c).Cursor!)));
    }

    [Fact(Timeout = 10_000)]
    public async Task A_resumed_run_starts_after_the_cursor_and_adds_to_the_run_time()
    {
        var (execution, checkpoints) = Create();
        var outcome = await Run(execution, """{"class":"Ticks","args":[6,0],"pool_iteration":{"cursor":4,"interruptions":1,"run_time_ms":1200}}""", checkpoints);

        Assert.Equal(JobOutcomeKind.Completed, outcome.Kind);
        Assert.Equal(2, checkpoints.Count);
        Assert.Equal(new IterationState("6", 1, 1800), IterationState.Read(checkpoints[^1]));
    }
}
