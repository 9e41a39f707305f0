using System.Diagnostics;
using Pool.Master.Stores;
using Pool.Protocol.Recovery;
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

        public async Task<int> ChargeAsync(IReadOnlyCollection<string> workerIds, CancellationToken ct = default)
        {
            await _never.Task;
            return 0;
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

    /// <summary>Recovers after a delay, or fails the first <see cref="FailFirst"/> calls as a Redis outage would.</summary>
    private sealed class SlowStore(TimeSpan delay) : IMasterStore
    {
        public int FailFirst;
        public int Calls;

        public bool IsConnected { get; set; } = true;

        public async Task<RecoveryOutcome> RecoverWorkerAsync(string workerId, CancellationToken ct = default)
        {
            await Task.Delay(delay, ct);
            if (Interlocked.Increment(ref Calls) <= FailFirst) throw new TimeoutException("redis down");
            return new RecoveryOutcome(RecoveryAction.Requeued, "q", "Sleep", 1);
        }

        public Task<IReadOnlyList<RecoveryOutcome>> RecoverForeignAsync(IReadOnlyCollection<int> pids, CancellationToken ct = default) =>
            Task.FromResult<IReadOnlyList<RecoveryOutcome>>([]);

        public Task<int> RecoverExpiredAsync(CancellationToken ct = default) => Task.FromResult(0);

        public Task VouchAsync(IReadOnlyCollection<string> workerIds, CancellationToken ct = default) => Task.CompletedTask;

        public Task<IReadOnlySet<string>> BusyWorkersAsync(IReadOnlyCollection<string> workerIds, CancellationToken ct = default) =>
            Task.FromResult<IReadOnlySet<string>>(new HashSet<string>());

        public Task<int> ChargeAsync(IReadOnlyCollection<string> workerIds, CancellationToken ct = default) => Task.FromResult(0);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    [Fact(Timeout = 10_000)]
    public async Task Settling_waits_for_a_recovery_still_running()
    {
        var store = new GuardedStore(new SlowStore(TimeSpan.FromMilliseconds(300)), Silent, TimeSpan.FromSeconds(2));

        store.RecoverWorker("h:1:q", 1);
        await store.SettleAsync();

        Assert.Equal(1, store.Counters.Recovered);
    }

    [Fact(Timeout = 10_000)]
    public async Task A_recovery_that_failed_is_retried_by_the_next_sweep()
    {
        var inner = new SlowStore(TimeSpan.Zero) { FailFirst = 1 };
        var store = new GuardedStore(inner, Silent, TimeSpan.FromSeconds(2));

        store.RecoverWorker("h:1:q", 1);
        // Sweeps come every few seconds in the master; here as fast as the failure is recorded.
        await Pool.Testing.Wait.UntilAsync(() =>
        {
            store.SweepExpiredLeases();
            return Volatile.Read(ref inner.Calls) == 2;
        }, TimeSpan.FromSeconds(5), "a failed attempt, then a retry");
        await store.SettleAsync();

        Assert.Equal(2, Volatile.Read(ref inner.Calls));
        Assert.Equal(1, store.Counters.Recovered);
    }

    [Fact(Timeout = 10_000)]
    public async Task Settling_does_not_wait_on_an_unreachable_redis()
    {
        var store = new GuardedStore(new SlowStore(TimeSpan.FromSeconds(5)) { IsConnected = false }, Silent, TimeSpan.FromSeconds(5));
        var clock = Stopwatch.StartNew();

        store.RecoverWorker("h:1:q", 1);
        await store.SettleAsync();

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"took {clock.Elapsed}");
        Assert.Equal(0, store.Counters.Recovered);
    }
}
