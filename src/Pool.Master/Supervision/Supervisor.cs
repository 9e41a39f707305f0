using System.Threading.Channels;
using Pool.Master.Cli;
using Pool.Master.Config;
using Pool.Master.Stores;
using Serilog;

namespace Pool.Master.Supervision;

/// <summary>
/// The master's event loop, in the spirit of resque-pool's: take ONE event (a signal, a reaped
/// child, a store answer) or wake at the next deadline, handle it, then maintain (kill overdue
/// children, respawn due slots, decide whether to exit).
///
/// Invariants:
/// - Only the loop reads or writes supervisor state. Signal handlers, Process.Exited callbacks
///   and store tasks run on other threads and do nothing but write an event to the channel, so
///   a burst of signals is queued in order, never lost, and never interleaves with a mutation.
/// - A child is in <see cref="_children"/> from spawn until its ChildExited event is handled, and
///   only then. The Exited callback is wired before Process.Start, so it may fire before the
///   spawn code has registered the child; that is harmless because it only enqueues, and the loop
///   handles that event after the spawn finished.
/// - The runtime reaps a child before it raises Exited. Between the two its pid could in theory be
///   reused, and a signal meant for it could reach a stranger; that needs a pid wrap-around within
///   microseconds, so we accept it rather than take reaping away from Process.
/// - A slot has at most one child. A retiring child (HUP, TTOU, WINCH, memory) has no slot, so it
///   is never respawned, and the slot (if kept) is filled again at once.
/// </summary>
internal sealed partial class Supervisor
{
    private readonly MasterSettings _settings;
    private readonly IReadOnlyDictionary<string, string?> _env;
    private readonly ILogger _log;
    private readonly GuardedStore _store;
    private readonly SupervisorOptions _options;
    private readonly TimeProvider _time;
    private readonly Func<PoolConfig> _reloadConfig;
    private readonly Processes.SystemdNotifier _systemd;
    private readonly int _masterPid = Environment.ProcessId;
    private readonly Channel<MasterEvent> _events;

    private readonly Dictionary<int, Child> _children = [];
    private List<GroupState> _groups = [];
    private PoolConfig _config;
    private DateTimeOffset _nextHousekeeping;
    private DateTimeOffset _nextLeaseSweep;
    private DateTimeOffset? _nextWatchdog;

    /// <param name="events">Created by the host before the supervisor, so signals that arrive during startup are queued, not lost.</param>
    public Supervisor(Channel<MasterEvent> events, MasterSettings settings, PoolConfig config, IReadOnlyDictionary<string, string?> env, ILogger log,
        GuardedStore store, SupervisorOptions options, TimeProvider time, Func<PoolConfig> reloadConfig)
    {
        _events = events;
        _settings = settings;
        _config = config;
        _env = env;
        _log = log;
        _store = store;
        _options = options;
        _time = time;
        _reloadConfig = reloadConfig;
        _systemd = new Processes.SystemdNotifier(env);
        _groups = config.Groups.Select(g => new GroupState(g)).ToList();
    }

    private DateTimeOffset Now => _time.GetUtcNow();

    /// <summary>How long the loop rests after a pass that threw.</summary>
    private static readonly TimeSpan FaultPause = TimeSpan.FromMilliseconds(200);

    /// <summary>How often a child's held signals are retried.</summary>
    private static readonly TimeSpan HeldSignalPoll = TimeSpan.FromMilliseconds(20);

    /// <summary>A channel for <see cref="Supervisor"/>: many writers (signals, exits, store answers), one reader (the loop).</summary>
    public static Channel<MasterEvent> CreateChannel() =>
        Channel.CreateUnbounded<MasterEvent>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Thread-safe: the only way other threads reach the supervisor.</summary>
    public void Post(MasterEvent e) => _events.Writer.TryWrite(e);

    /// <summary>Runs until a stop (TERM, INT, QUIT) has drained every child. Returns the exit code.</summary>
    public async Task<int> RunAsync()
    {
        _nextHousekeeping = Now + _options.HousekeepingInterval;
        _nextLeaseSweep = Now;
        // A TERM that came during startup is handled before the first spawn.
        while (_events.Reader.TryRead(out var early)) Handle(early);
        Maintain();
        // Under systemd (Type=notify): the workers are started, the service is up.
        _systemd.Notify("READY=1");
        _nextWatchdog = _systemd.WatchdogInterval is null ? null : Now;
        while (!IsFinished())
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
        _drain.Log(_log, _stopStartedAt is { } started ? Now - started : TimeSpan.Zero);
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
        switch (e)
        {
            case SignalReceived s: OnSignal(s.Signal); break;
            case ChildExited x: OnChildExited(x.Process); break;
            case BusyWorkersKnown b: TrimExcess(b.Busy); break;
            case ConfigLoaded c: OnConfigLoaded(c); break;
            case CapacitySampled c: OnCapacitySampled(c.Measure); break;
            default: throw new InvalidOperationException("unknown event " + e);
        }
    }

    /// <summary>One pass of bookkeeping after every event and every wake-up.</summary>
    private void Maintain()
    {
        var now = Now;
        EnforceDeadlines(now);
        FlushHeldSignals(now);
        if (now >= _nextHousekeeping)
        {
            _nextHousekeeping = now + _options.HousekeepingInterval;
            Housekeep(now);
        }
        if (_mode == StopMode.None) FillSlots(now);
        // The ping comes from the loop itself, so a loop that hangs stops pinging and systemd acts.
        if (_nextWatchdog is { } due && now >= due)
        {
            _systemd.Notify("WATCHDOG=1");
            _nextWatchdog = now + _systemd.WatchdogInterval!.Value;
        }
        PublishSnapshot(now);
    }

    /// <summary>The earliest moment something is due: a respawn, a kill deadline, housekeeping.</summary>
    private DateTimeOffset NextWakeUp()
    {
        var next = _nextWatchdog is { } w && w < _nextHousekeeping ? w : _nextHousekeeping;
        foreach (var slot in _groups.SelectMany(g => g.Slots))
        {
            if (slot.Child is null && slot.SpawnAt is { } at && at < next) next = at;
        }
        foreach (var child in _children.Values)
        {
            if (NextDeadline(child) is { } at && at < next) next = at;
            // A held signal is looked at again soon: the child catches it within moments of its start.
            if (child.Held.Any && Now + HeldSignalPoll < next) next = Now + HeldSignalPoll;
        }
        return next;
    }
}
