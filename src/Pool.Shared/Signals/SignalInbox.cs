using System.Runtime.InteropServices;

namespace Pool.Signals;

/// <summary>
/// Takes over the given signals as early as a process can (the first statements of Main), and
/// holds what arrives until the code that acts on them is ready: without it, a USR2 or USR1 in a
/// process's first moments meets the default action and kills it. Shared by pool-master and
/// pool-worker (compiled into both).
/// Each handler sets Cancel = true, so no default action runs; it only hands the signal on,
/// because it runs on the runtime's signal thread. Signals held before <see cref="Attach"/> are
/// passed on in the order they came, before any later one. A pause and a resume that come close
/// together are put in the order they were sent (<see cref="PauseResumeOrder"/>).
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal sealed class SignalInbox : IDisposable
{
    private readonly List<PosixSignalRegistration> _registrations = [];
    // Guards _held and _target: the signal thread and Attach's caller meet here.
    private readonly Lock _gate = new();
    private readonly List<PosixSignal> _held = [];
    private readonly PauseResumeOrder _order;
    private Action<PosixSignal>? _target;

    public SignalInbox(IEnumerable<PosixSignal> signals) : this(signals, TimeProvider.System) { }

    internal SignalInbox(IEnumerable<PosixSignal> signals, TimeProvider time)
    {
        _order = new PauseResumeOrder(time);
        foreach (var signal in signals)
        {
            _registrations.Add(PosixSignalRegistration.Create(signal, context =>
            {
                context.Cancel = true;
                Deliver(context.Signal);
            }));
        }
    }

    /// <summary>From now on every signal goes to <paramref name="target"/>, the held ones first.</summary>
    public void Attach(Action<PosixSignal> target)
    {
        lock (_gate)
        {
            foreach (var signal in _held) target(signal);
            _held.Clear();
            _target = target;
        }
    }

    /// <summary>What each registration's handler calls; internal so tests can feed it without sending signals.</summary>
    internal void Deliver(PosixSignal signal)
    {
        lock (_gate)
        {
            foreach (var arranged in _order.Arrange(signal))
            {
                if (_target is null) _held.Add(arranged);
                else _target(arranged);
            }
        }
    }

    public void Dispose()
    {
        foreach (var registration in _registrations) registration.Dispose();
        _registrations.Clear();
    }
}
