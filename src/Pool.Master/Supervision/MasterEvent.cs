using System.Runtime.InteropServices;
using Pool.Master.Config;

namespace Pool.Master.Supervision;

/// <summary>Everything that reaches the supervisor's loop from another thread arrives as one of these.</summary>
internal abstract record MasterEvent;

/// <summary>A signal the master received (from the runtime's signal thread).</summary>
internal sealed record SignalReceived(PosixSignal Signal) : MasterEvent;

/// <summary>
/// A child was reaped by the runtime (from a pool thread). It carries the Process, not the Child:
/// the callback can run before the spawn code has built the Child.
/// </summary>
internal sealed record ChildExited(Processes.IWorkerProcess Process) : MasterEvent;

/// <summary>The answer to "who is busy?" for a scale-down; null when the store could not tell.</summary>
internal sealed record BusyWorkersKnown(IReadOnlySet<string>? Busy) : MasterEvent;

/// <summary>Which of the new generation's workers have registered (a HUP's handover); null when Redis could not tell.</summary>
internal sealed record ReplacementsRegistered(IReadOnlySet<string>? Registered) : MasterEvent;

/// <summary>A HUP's config load finished off the loop: the new config, or the one-line reason it was rejected.</summary>
internal sealed record ConfigLoaded(PoolConfig? Config, string? Error) : MasterEvent
{
    /// <summary>Runs <paramref name="load"/> and never throws: whatever goes wrong becomes the rejection's message.</summary>
    public static ConfigLoaded From(Func<PoolConfig> load)
    {
        try
        {
            return new ConfigLoaded(load(), null);
        }
        catch (Exception e) when (e is ConfigException or FileNotFoundException or FormatException or IOException)
        {
            return new ConfigLoaded(null, e.Message);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return new ConfigLoaded(null, $"unexpected {e.GetType().Name}: {e.Message.Split('\n')[0]}");
        }
    }
}
