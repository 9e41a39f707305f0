using System.Runtime.InteropServices;

namespace Pool.Master.Supervision;

/// <summary>Everything that reaches the supervisor's loop from another thread arrives as one of these.</summary>
internal abstract record MasterEvent;

/// <summary>A signal the master received (from the runtime's signal thread).</summary>
internal sealed record SignalReceived(PosixSignal Signal) : MasterEvent;

/// <summary>
/// A child was reaped by the runtime (from a pool thread). It carries the Process, not the Child:
/// the callback can run before the spawn code has built the Child.
/// </summary>
internal sealed record ChildExited(System.Diagnostics.Process Process) : MasterEvent;

/// <summary>The answer to "who is busy?" for a scale-down; null when the store could not tell.</summary>
internal sealed record BusyWorkersKnown(IReadOnlySet<string>? Busy) : MasterEvent;
