using System.Runtime.InteropServices;
using Microsoft.Extensions.Time.Testing;
using Pool.Master.Backoff;
using Pool.Master.Config;
using Pool.Master.Stores;
using Pool.Master.Supervision;
using Pool.Protocol.Recovery;
using Pool.Settings;
using Pool.Signals;
using Pool.Testing;

namespace Pool.Master.Tests.Supervision.InProcess;

/// <summary>
/// A supervisor with its real loop and decisions, but a fake OS, a recording store and a fake
/// clock. Every step (a signal, a child's exit, moving the clock) returns once the loop has
/// handled it and waits again, so a test sees the supervisor's whole reaction and nothing later.
/// Waits are bounded by <see cref="Deadline"/>; no step sleeps for the clock's sake.
/// </summary>
internal sealed class InProcessPool : IAsyncDisposable
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    /// <summary>Backoff of the tests: 100 ms doubling up to 2 s, reset after 30 s of uptime.</summary>
    public static readonly BackoffOptions TestBackoff = new(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(30));

    private readonly WatchedChannel _events = new();
    private readonly GuardedStore _store;
    private readonly Supervisor _supervisor;
    private Task<int>? _run;
    private int _reloads;

    public FakeTimeProvider Clock { get; } = new();
    public FakeWorkerProcesses Os { get; } = new();
    public RecordingMasterStore Store { get; } = new();
    public LogCapture Log { get; } = new();
    public MasterSettings Settings { get; }
    public SupervisorOptions Options { get; }

    /// <summary>What a HUP reads; by default the config the pool started with.</summary>
    public Func<PoolConfig> Reload { get; set; }

    /// <summary>How many times a HUP read the config.</summary>
    public int Reloads => Volatile.Read(ref _reloads);

    public InProcessPool(PoolConfig config, MasterSettings? settings = null, SupervisorOptions? options = null)
    {
        Settings = settings ?? DefaultSettings;
        Options = options ?? new SupervisorOptions { Backoff = TestBackoff };
        Reload = () => config;
        _store = new GuardedStore(Store, Log.Logger, TimeSpan.FromSeconds(5));
        _supervisor = new Supervisor(_events, Settings, config, new Dictionary<string, string?>(), Log.Logger, _store, Options, Clock,
            () =>
            {
                Interlocked.Increment(ref _reloads);
                return Reload();
            },
            Os);
    }

    /// <summary>--term-timeout 10 s, grace 1 s.</summary>
    public static MasterSettings DefaultSettings { get; } = new()
    {
        ConfigPath = "pool.yml",
        WorkerCommand = ["pool-worker", "--default"],
        RedisUrl = "redis://127.0.0.1:6379",
        TermTimeout = TimeSpan.FromSeconds(10),
        KillGrace = TimeSpan.FromSeconds(1),
    };

    public static PoolConfig Groups(params WorkerGroup[] groups) => new("pool.yml", null, groups);

    public static WorkerGroup Group(string queue, int count, TimeSpan? termTimeout = null, int? memoryLimitMb = null, string? command = null) =>
        new(queue, [queue], count, termTimeout, memoryLimitMb, Command: command);

    /// <summary>Starts the loop and returns once its first pass (the first spawns) is done.</summary>
    public InProcessPool Start()
    {
        _run = Task.Run(_supervisor.RunAsync);
        Settle();
        return this;
    }

    /// <summary>Queues a signal without waiting: for signals that come before the loop runs.</summary>
    public void Post(PosixSignal signal) => _events.Writer.TryWrite(new SignalReceived(signal));

    public void Signal(PosixSignal signal)
    {
        Post(signal);
        Settle();
    }

    public void Usr1() => Signal(SignalNames.Usr1);

    public void Usr2() => Signal(SignalNames.Usr2);

    /// <summary>The child is reaped with this exit code.</summary>
    public void Exit(FakeProcess child, int code)
    {
        Os.Exit(child.Pid, code);
        Settle();
    }

    /// <summary>Moves the fake clock; the loop wakes if something is due by then, and sees only the new time.</summary>
    public void Advance(TimeSpan by)
    {
        Clock.Advance(by);
        Settle();
    }

    /// <summary>The smallest step of the tests: "just before" a deadline is one of these before it.</summary>
    public static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(1);

    /// <summary>Moves the clock <paramref name="delay"/> on and asserts that <paramref name="count"/> grew exactly then, not a <see cref="Tick"/> sooner.</summary>
    public void AssertGrowsExactlyAfter(TimeSpan delay, Func<int> count, string what)
    {
        var before = count();
        Advance(delay - Tick);
        Assert.True(count() == before, $"{what} came before {delay.TotalMilliseconds} ms");
        Advance(Tick);
        Assert.True(count() > before, $"{what} did not come at {delay.TotalMilliseconds} ms");
    }

    public void AssertNextStartAfter(TimeSpan delay) => AssertGrowsExactlyAfter(delay, () => Os.Started.Count, "the next start");

    public void AssertNextGroupKillAfter(TimeSpan delay) => AssertGrowsExactlyAfter(delay, () => Os.GroupKills.Count, "the next SIGKILL");

    /// <summary>Moves the clock in steps, so that the loop wakes at each one (housekeeping, several backoffs).</summary>
    public void Advance(TimeSpan by, TimeSpan step)
    {
        for (var moved = TimeSpan.Zero; moved < by; moved += step) Advance(step < by - moved ? step : by - moved);
    }

    /// <summary>Returns once the loop has handled everything so far and waits again (or has ended).</summary>
    public void Settle() =>
        WaitFor(() => _events.LoopIsWaiting || Running.IsCompleted, "the supervisor loop to finish its pass");

    /// <summary>Waits with the deadline; a timeout says what the supervisor logged, which is usually why.</summary>
    private void WaitFor(Func<bool> condition, string because)
    {
        try
        {
            Wait.Until(condition, Deadline, because);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message} at {Clock.GetUtcNow():HH:mm:ss.fff}; the supervisor logged:\n{Log}", e);
        }
    }

    /// <summary>
    /// After a pass that threw, the loop rests on the fake clock before it waits for events again;
    /// this moves the clock in <paramref name="step"/>s until it does. How many steps that takes
    /// depends on when the rest began, so use it only where the exact time does not matter.
    /// </summary>
    public void AdvanceUntilWaiting(TimeSpan step) =>
        WaitFor(() =>
        {
            if (_events.LoopIsWaiting || Running.IsCompleted) return true;
            Clock.Advance(step);
            return false;
        }, "the supervisor loop to wait again after a failed pass");

    /// <summary>Waits for something the loop hears of from another thread (a config load, the store's answer).</summary>
    public void Until(Func<bool> condition, string because)
    {
        WaitFor(condition, because);
        Settle();
    }

    public bool HasExited => Running.IsCompleted;

    public Task<int> ExitCodeAsync() => Running.WaitAsync(Deadline);

    private Task<int> Running => _run ?? throw new InvalidOperationException("Start() the pool first");

    public IReadOnlyList<FakeProcess> Live => Os.Live;

    public static string WorkerId(FakeProcess child) => WorkerIdentity.For(child.Pid, child.Environment[PoolVariables.Queues]);

    /// <summary>Ends a loop the test left running: stop, every child exits, wait for the loop.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_run is { IsCompleted: false })
        {
            Os.Fault = null;
            Os.StartFailure = null;
            Post(PosixSignal.SIGTERM);
            foreach (var child in Os.Live) Os.Exit(child.Pid, 0);
            // The clock moves until the loop has seen it all, even if it rests after a failed pass.
            var limit = System.Diagnostics.Stopwatch.StartNew();
            while (!_run.IsCompleted && limit.Elapsed < Deadline)
            {
                Clock.Advance(TimeSpan.FromSeconds(1));
                await Task.WhenAny(_run, Task.Delay(10)).ConfigureAwait(false);
            }
            await _run.WaitAsync(Deadline).ConfigureAwait(false);
        }
        await _store.DisposeAsync().ConfigureAwait(false);
    }
}
