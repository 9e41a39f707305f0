using Pool.Signals;
using System.Threading.Channels;
using System.Runtime.InteropServices;
using Pool.Master.Config;
using Pool.Master.Observability;
using Pool.Master.Processes;
using Pool.Master.Stores;
using Serilog;

namespace Pool.Master.Supervision;

/// <summary>
/// The master's event loop, in the spirit of resque-pool's: take ONE event (a signal, a reaped
/// child, a store answer) or wake at the next deadline, route it, then maintain (kill overdue
/// children, respawn due slots, decide whether to exit). The decisions live in the types it
/// routes to: <see cref="SlotTable"/> (who is where), <see cref="WorkerSpawner"/>,
/// <see cref="ChildExits"/>, <see cref="StopPlan"/> (stages and deadlines),
/// <see cref="PoolReshaper"/> (HUP, WINCH, TTIN, TTOU), <see cref="Housekeeper"/>,
/// <see cref="SignalRelay"/> and <see cref="SnapshotPublisher"/>.
///
/// Invariants:
/// - Only the loop reads or writes supervisor state. Signal handlers, exit callbacks and store
///   tasks run on other threads and do nothing but write an event to the channel, so a burst of
///   signals is queued in order, never lost, and never interleaves with a mutation.
/// - The exit callback is wired before a process starts, so it may fire before the spawn code
///   has registered the child; that is harmless because it only enqueues, and the loop handles
///   that event after the spawn finished.
/// - The runtime reaps a child before it raises Exited. Between the two its pid could in theory be
///   reused, and a signal meant for it could reach a stranger; that needs a pid wrap-around within
///   microseconds, so we accept it rather than take reaping away from Process.
/// </summary>
internal sealed class Supervisor
{
    private readonly ILogger _log;
    private readonly GuardedStore _store;
    private readonly SupervisorOptions _options;
    private readonly TimeProvider _time;
    private readonly SystemdNotifier _systemd;
    private readonly Channel<MasterEvent> _events;

    private readonly SlotTable _table;
    private readonly StopPlan _stops;
    private readonly WorkerSpawner _spawner;
    private readonly ChildExits _exits;
    private readonly PoolReshaper _reshaper;
    private readonly Housekeeper _housekeeper;
    private readonly SignalRelay _relay;
    private readonly CapacityKeeper _capacity;
    private SnapshotPublisher? _publisher;

    private DateTimeOffset _nextHousekeeping;
    private DateTimeOffset? _nextWatchdog;

    /// <param name="events">Created by the host before the supervisor, so signals that arrive during startup are queued, not lost.</param>
    /// <param name="os">Process launch, signals and /proc; the real ones unless a test passes its own.</param>
    public Supervisor(Channel<MasterEvent> events, MasterSettings settings, PoolConfig config, IReadOnlyDictionary<string, string?> env, ILogger log,
        GuardedStore store, SupervisorOptions options, TimeProvider time, Func<PoolConfig> reloadConfig, IWorkerProcesses? os = null)
    {
        os ??= OsWorkerProcesses.Instance;
        _events = events;
        _log = log;
        _store = store;
        _options = options;
        _time = time;
        _systemd = new SystemdNotifier(env);
        _table = new SlotTable(config, options.Backoff, time);
        _stops = new StopPlan(_table, settings, options, os, _systemd, log);
        _capacity = new CapacityKeeper(_table, _stops, settings, options, time, log, Post);
        _spawner = new WorkerSpawner(_table, settings, os, log, Post)
        {
            Gate = _capacity.OpenGate,
            DismissStandby = (standby, now) => _stops.Dismiss(standby, "a worker waits for its memory", now),
        };
        _exits = new ChildExits(_table, _stops, store, os, log);
        _reshaper = new PoolReshaper(_table, _stops, _spawner, store, reloadConfig, Post, log) { SizeGeneration = _capacity.SizeGeneration };
        _housekeeper = new Housekeeper(_table, new MemoryRecycler(_table, _stops, os, log, store), store, options, log);
        _relay = new SignalRelay(_table, os, log);
    }

    private DateTimeOffset Now => _time.GetUtcNow();

    /// <summary>How long the loop rests after a pass that threw.</summary>
    private static readonly TimeSpan FaultPause = TimeSpan.FromMilliseconds(200);

    /// <summary>Set when the HTTP endpoint is on; null keeps the loop from building snapshots nobody reads.</summary>
    public SnapshotBoard? Board { get; init; }

    /// <summary>A channel for <see cref="Supervisor"/>: many writers (signals, exits, store answers), one reader (the loop).</summary>
    public static Channel<MasterEvent> CreateChannel() =>
        Channel.CreateUnbounded<MasterEvent>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Thread-safe: the only way other threads reach the supervisor.</summary>
    public void Post(MasterEvent e) => _events.Writer.TryWrite(e);

    /// <summary>Runs until a stop (TERM, INT, QUIT) has drained every child. Returns the exit code.</summary>
    public async Task<int> RunAsync()
    {
        _publisher = Board is null ? null : new SnapshotPublisher(_table, _stops, _spawner, Board, _time) { Capacity = _capacity };
        _nextHousekeeping = Now + _options.HousekeepingInterval;
        // A TERM that came during startup is handled before the first spawn.
        while (_events.Reader.TryRead(out var early)) Handle(early);
        Maintain();
        // Under systemd (Type=notify): the workers are started, the service is up.
        _systemd.Notify("READY=1");
        _nextWatchdog = _systemd.WatchdogInterval is null ? null : Now;
        while (!_stops.IsFinished(Now))
        {
            var next = await NextEventAsync(NextWakeUp() - Now).ConfigureAwait(false);
            try
            {
                if (next is not null) Handle(next);
                Maintain();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The master is the one process that must not die: a failure the OS caused
                // (no file descriptors left, an assembly that cannot load) costs this one pass,
                // not the pool. The pause keeps a failure that repeats from spinning the loop.
                _log.Error(e, "supervision pass failed ({Error}); carrying on", e.Message);
                await Task.Delay(FaultPause, _time).ConfigureAwait(false);
            }
        }
        // The jobs of children that died during the stop are recovered before the report, so the
        // master never exits with a job that is in no queue and not failed.
        await _store.SettleAsync().ConfigureAwait(false);
        await _capacity.WithdrawAsync().ConfigureAwait(false);
        _stops.Drain.Log(_log, _stops.StartedAt is { } started ? Now - started : TimeSpan.Zero);
        return 0;
    }

    private async Task<MasterEvent?> NextEventAsync(TimeSpan wait)
    {
        if (_events.Reader.TryRead(out var ready)) return ready;
        if (wait <= TimeSpan.Zero) return null;
        using var timer = new CancellationTokenSource(wait, _time);
        try
        {
            await _events.Reader.WaitToReadAsync(timer.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timer.IsCancellationRequested)
        {
            // Our own wake-up timer, not a cancellation from outside: time to maintain.
            return null;
        }
        return _events.Reader.TryRead(out var e) ? e : null;
    }

    private void Handle(MasterEvent e)
    {
        var now = Now;
        switch (e)
        {
            case SignalReceived s: OnSignal(s.Signal, now); break;
            case ChildExited x: _exits.OnExited(x.Process, now); break;
            case BusyWorkersKnown b: _reshaper.TrimExcess(b.Busy, now); break;
            case ReplacementsRegistered r: _reshaper.Handover.OnRegistered(r, now); break;
            case ConfigLoaded c: _reshaper.OnConfigLoaded(c, now); break;
            case CapacitySampled c: _capacity.OnSampled(c.Measure, now); break;
            default: throw new InvalidOperationException("unknown event " + e);
        }
    }

    /// <summary>The signal table of DESIGN.md, one signal per loop iteration.</summary>
    private void OnSignal(PosixSignal signal, DateTimeOffset now)
    {
        var name = SignalNames.Name(signal);
        _log.Information("received {Signal}", name);
        switch (signal)
        {
            case PosixSignal.SIGTERM or PosixSignal.SIGINT: _stops.StopGracefully(name, now); break;
            case PosixSignal.SIGQUIT: _stops.StopAfterCurrentJobs(now); break;
            case PosixSignal.SIGHUP: _reshaper.Reload(); break;
            case PosixSignal.SIGWINCH: _reshaper.Pause(now); break;
            case PosixSignal.SIGTTIN: _reshaper.Resize(+1); _capacity.Shift(+1); break;
            case PosixSignal.SIGTTOU: _reshaper.Resize(-1); _capacity.Shift(-1); break;
            case PosixSignal.SIGCONT or SignalNames.Usr1 or SignalNames.Usr2: _relay.Relay(signal, name, now); break;
            default: _log.Warning("no action for signal {Signal}", name); break;
        }
    }

    /// <summary>One pass of bookkeeping after every event and every wake-up.</summary>
    private void Maintain()
    {
        var now = Now;
        _stops.EnforceDeadlines(now);
        _relay.FlushHeld(now);
        if (now >= _nextHousekeeping)
        {
            _nextHousekeeping = now + _options.HousekeepingInterval;
            _housekeeper.Run(now);
            _capacity.StartSample(now);
        }
        if (!_stops.IsStopping) _spawner.FillSlots(now);
        _reshaper.Handover.Maintain(now);
        // The ping comes from the loop itself, so a loop that hangs stops pinging and systemd acts.
        if (_nextWatchdog is { } due && now >= due)
        {
            _systemd.Notify("WATCHDOG=1");
            _nextWatchdog = now + _systemd.WatchdogInterval!.Value;
        }
        _publisher?.Publish(now);
    }

    /// <summary>The earliest moment something is due: a respawn, a kill deadline, a held signal, housekeeping, the watchdog.</summary>
    private DateTimeOffset NextWakeUp()
    {
        var now = Now;
        // While stopping, a slot's backoff ending spawns nothing, so it must not wake the loop (it would, at once, again and again).
        var nextSpawn = _stops.IsStopping ? null : _spawner.Unfinished ? now : _table.NextSpawnAt(now);
        DateTimeOffset?[] candidates = [_nextHousekeeping, _nextWatchdog, nextSpawn, _stops.NextDeadline(now), _relay.NextFlush(now), _reshaper.Handover.NextCheck];
        return candidates.Where(t => t is not null).Min()!.Value;
    }
}
