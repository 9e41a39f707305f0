using System.Diagnostics;
using Pool.Master.Stores;
using Pool.Protocol.Supervision;
using Serilog;

namespace Pool.Master.Tests.Stores;

public sealed class GuardedStoreTests
{
    private static readonly ILogger Silent = new LoggerConfiguration().CreateLogger();

    /// <summary>A Redis that never answers and ignores cancellation, the worst case for the master.</summary>
    private sealed class HangingStore : IMasterStore
    {
        private readonly TaskCompletionSource _never = new();
        public int Calls;

        public bool IsConnected => true;

        public async Task<RecoveryOutcome> RecoverWorkerAsync(string workerId, CancellationToken ct = default)
        {
            Interlocked.Increment(ref Calls);
            await _never.Task;
            return RecoveryOutcome.Nothing;
        }

        public async Task<IReadOnlyList<RecoveryOutcome>> RecoverForeignAsync(IReadOnlyCollection<int> pids, CancellationToken ct = default)
        {
            Interlocked.Increment(ref Calls);
            await _never.Task;
            return [];
        }

        public async Task<int> RecoverExpiredAsync(CancellationToken ct = default)
        {
            Interlocked.Increment(ref Calls);
            await _never.Task;
            return 0;
        }

        public async Task VouchAsync(IReadOnlyCollection<string> workerIds, CancellationToken ct = default)
        {
            Interlocked.Increment(ref Calls);
            await _never.Task;
        }

        public async Task<IReadOnlySet<string>> BusyWorkersAsync(IReadOnlyCollection<string> workerIds, CancellationToken ct = default)
        {
            await _never.Task;
            return new HashSet<string>();
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Asking_who_is_busy_gives_up_at_the_timeout_even_when_the_store_ignores_cancellation()
    {
        var store = new GuardedStore(new HangingStore(), Silent, TimeSpan.FromMilliseconds(200));
        var clock = Stopwatch.StartNew();

        var busy = await store.BusyWorkersAsync(["h:1:q"]).WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Null(busy);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(150), TimeSpan.FromSeconds(2));
    }

    [Fact]
    public void Recovery_and_sweeps_never_block_the_caller_and_sweeps_do_not_pile_up()
    {
        var inner = new HangingStore();
        var store = new GuardedStore(inner, Silent, TimeSpan.FromSeconds(30));
        var clock = Stopwatch.StartNew();

        store.RecoverWorker("h:1:q", 1);
        for (var i = 0; i < 5; i++) store.SweepExpiredLeases();

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1));
        Pool.Testing.Wait.Until(() => Volatile.Read(ref inner.Calls) == 2, TimeSpan.FromSeconds(5), "one recovery and one sweep");
    }
}
