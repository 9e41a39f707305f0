using System.Runtime.InteropServices;

namespace Pool.TestWorker;

/// <summary>Reports every signal the master may send or relay, and cancels its default action.</summary>
internal static class TestSignals
{
    private static readonly (PosixSignal Signal, string Name)[] Watched =
    [
        (PosixSignal.SIGTERM, "TERM"), (PosixSignal.SIGINT, "INT"), (PosixSignal.SIGQUIT, "QUIT"),
        (PosixSignal.SIGCONT, "CONT"), ((PosixSignal)10, "USR1"), ((PosixSignal)12, "USR2"),
    ];

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
