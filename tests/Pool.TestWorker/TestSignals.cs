using System.Runtime.InteropServices;
using Pool.Signals;

namespace Pool.TestWorker;

/// <summary>Reports every signal the master may send or relay, and cancels its default action.</summary>
internal static class TestSignals
{
    private static readonly (PosixSignal Signal, string Name)[] Watched =
        [.. new[] { PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGQUIT, PosixSignal.SIGCONT, SignalNames.Usr1, SignalNames.Usr2 }
            .Select(s => (s, SignalNames.Name(s)))];

    public static IDisposable Listen(Action<string> onSignal)
    {
        var registrations = Watched.Select(w => PosixSignalRegistration.Create(w.Signal, context =>
        {
            context.Cancel = true;
            onSignal(w.Name);
        })).ToList();
        return new Registrations(registrations);
    }

    private sealed class Registrations(List<PosixSignalRegistration> registrations) : IDisposable
    {
        public void Dispose() => registrations.ForEach(r => r.Dispose());
    }
}
