using System.Runtime.InteropServices;

namespace Pool.Signals;

/// <summary>
/// Puts a USR2 (pause) and a CONT (resume) that arrive close together back in the order they were
/// almost surely sent. POSIX gives no order between two different signals, and .NET hands each
/// one to a thread pool thread of its own, so <c>kill -USR2 p; kill -CONT p</c>, or the master
/// relaying the pair to its workers, was often seen as CONT then USR2: the process stayed paused
/// until someone sent another CONT. This is the one pair whose order changes the outcome (counts,
/// stops and reloads do not depend on it), so the rule is narrow: a USR2 seen less than
/// <see cref="Window"/> after a CONT is taken as sent before it, and the CONT is passed on again
/// after it. The pair always leaves the process running; no one pauses on purpose within
/// 50 ms of resuming.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal sealed class PauseResumeOrder(TimeProvider time)
{
    public static readonly TimeSpan Window = TimeSpan.FromMilliseconds(50);

    private long? _lastResume;

    /// <summary>The signals to pass on, in order, for <paramref name="signal"/> just arrived.</summary>
    public PosixSignal[] Arrange(PosixSignal signal)
    {
        if (signal == PosixSignal.SIGCONT)
        {
            _lastResume = time.GetTimestamp();
            return [signal];
        }
        if (signal == SignalNames.Usr2 && _lastResume is { } resumedAt && time.GetElapsedTime(resumedAt) < Window)
            return [signal, PosixSignal.SIGCONT];
        return [signal];
    }
}
