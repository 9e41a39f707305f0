using System.Runtime.InteropServices;

namespace Pool.Master.Signals;

/// <summary>
/// Turns POSIX signals into calls of one callback. The handler only hands the signal on: it runs
/// on the runtime's signal thread, so it must not touch supervisor state. Cancel = true keeps the
/// default action (terminate, stop the process for TTIN/TTOU) from running.
/// </summary>
internal sealed class SignalListener : IDisposable
{
    private readonly List<PosixSignalRegistration> _registrations = [];

    public SignalListener(IEnumerable<PosixSignal> signals, Action<PosixSignal> onSignal)
    {
        foreach (var signal in signals)
        {
            _registrations.Add(PosixSignalRegistration.Create(signal, context =>
            {
                context.Cancel = true;
                onSignal(context.Signal);
            }));
        }
    }

    public void Dispose()
    {
        foreach (var registration in _registrations) registration.Dispose();
        _registrations.Clear();
    }
}
