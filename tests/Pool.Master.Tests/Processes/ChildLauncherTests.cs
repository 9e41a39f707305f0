using Mono.Unix.Native;
using Pool.Master.Processes;
using Pool.Processes;
using Pool.Testing;

namespace Pool.Master.Tests.Processes;

/// <summary>These tests change a signal's disposition in the test host itself, so nothing may start a process meanwhile.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HostSignalsCollection
{
    public const string Name = "host-signals";
}

[Collection(HostSignalsCollection.Name)]
public sealed class ChildLauncherTests
{
    private const ulong Hup = 1UL << ((int)Signum.SIGHUP - 1);

    [Fact(Timeout = 30_000)]
    public async Task A_worker_starts_with_default_signal_handling_even_when_its_master_ignores_the_signal()
    {
        // The test host stands in for a master that still ignores HUP, as under nohup. HUP,
        // because no process a test starts relies on inheriting it (a master restores its own).
        var hostIgnored = ProcStatus.SignalMask(Environment.ProcessId, "SigIgn")!.Value;
        Assert.Equal(0UL, ProcStatus.SignalMask(Environment.ProcessId, "SigCgt")!.Value & Hup);
        Assert.True(ChildLauncher.ResetsSignals, "this host's env should have --default-signal (coreutils 8.31+)");
        System.Diagnostics.Process child;
        Assert.Equal(0, Stdlib.SetSignalAction(Signum.SIGHUP, SignalAction.Ignore));
        try
        {
            child = ChildLauncher.Start(["sleep", "30"], new Dictionary<string, string>(), (_, _) => { });
        }
        finally
        {
            if ((hostIgnored & Hup) == 0) Stdlib.SetSignalAction(Signum.SIGHUP, SignalAction.Default);
        }

        using (child)
        {
            try
            {
                // Until the exec chain (env, setsid) reaches sleep, the pid may still be the runtime's fork child.
                await Wait.UntilAsync(() => ProcFs.Command(child.Id) == "sleep", TimeSpan.FromSeconds(10), "the chain to exec sleep");
                Assert.Equal(0UL, ProcStatus.SignalMask(child.Id, "SigIgn")!.Value & Hup);
            }
            finally
            {
                Syscall.kill(-child.Id, Signum.SIGKILL);
                child.WaitForExit(5000);
            }
        }
    }
}
