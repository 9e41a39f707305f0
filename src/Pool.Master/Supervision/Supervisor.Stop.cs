using Mono.Unix.Native;
using Pool.Master.Processes;

namespace Pool.Master.Supervision;

/// <summary>
/// Stopping children in stages, each named in the log: "signal" (TERM, INT or QUIT to the worker),
/// "wait" (until its own term_timeout plus the kill grace), "kill" (SIGKILL to its process group),
/// "wait briefly" (AfterKillWait for the reap), then the master's "report". A child's deadline is
/// fixed when it is first asked to stop; asking again never extends it.
/// </summary>
internal sealed partial class Supervisor
{
    private enum StopMode { None, Quit, Graceful, Immediate }

    private StopMode _mode = StopMode.None;
    private DateTimeOffset? _stopStartedAt;
    private readonly DrainReport _drain = new();

    /// <summary>Done once a stop was asked for and no child is left, or the ones left ignored SIGKILL for too long.</summary>
    private bool IsFinished()
    {
        if (_mode == StopMode.None) return false;
        var now = Now;
        if (_children.Values.All(c => c.Stop?.KilledAt is { } killed && now - killed >= _options.AfterKillWait))
        {
            foreach (var child in _children.Values)
            {
                _log.Error("stage wait briefly: worker {Pid} still not reaped {WaitMs:0} ms after SIGKILL; giving up on it",
                    child.Pid, _options.AfterKillWait.TotalMilliseconds);
                _drain.AddUnreaped(child, now);
            }
            return true;
        }
        return false;
    }

    /// <summary>TERM or INT: the first asks every child to stop with a deadline, the second kills them all now.</summary>
    private void StopGracefully(string why)
    {
        if (_mode is StopMode.Graceful or StopMode.Immediate)
        {
            StopNow(why);
            return;
        }
        var signal = _settings.TermChild ? Signum.SIGTERM : Signum.SIGINT;
        _mode = StopMode.Graceful;
        _systemd.Notify("STOPPING=1");
        _stopStartedAt ??= Now;
        _log.Information("stage signal: {Why}: stopping {Count} worker(s) with {Signal}, SIGKILL to each group after its term_timeout + {GraceMs:0} ms",
            why, _children.Count, signal, _settings.KillGrace.TotalMilliseconds);
        foreach (var child in _children.Values.ToList()) RequestStop(child, signal, "shutdown", withDeadline: true);
    }

    /// <summary>QUIT: every child finishes its current job, however long it takes.</summary>
    private void StopAfterCurrentJobs()
    {
        if (_mode != StopMode.None)
        {
            _log.Information("QUIT ignored: already stopping");
            return;
        }
        _mode = StopMode.Quit;
        _systemd.Notify("STOPPING=1");
        _stopStartedAt = Now;
        _log.Information("stage signal: QUIT: {Count} worker(s) finish their current job, then exit; no deadline", _children.Count);
        foreach (var child in _children.Values.ToList()) RequestStop(child, Signum.SIGQUIT, "shutdown", withDeadline: false);
    }

    /// <summary>The second TERM or INT: SIGKILL every group now, then wait briefly for the reaps.</summary>
    private void StopNow(string why)
    {
        _mode = StopMode.Immediate;
        _stopStartedAt ??= Now;
        _log.Warning("stage kill: {Why} again: stop now, SIGKILL to {Count} worker group(s)", why, _children.Count);
        foreach (var child in _children.Values) Kill(child, "stop now", Now);
    }

    /// <summary>Stage "signal". With a deadline, stage "kill" follows at term_timeout + kill grace.</summary>
    private void RequestStop(Child child, Signum signal, string reason, bool withDeadline)
    {
        var now = Now;
        DateTimeOffset? killAt = withDeadline ? now + (child.Group.TermTimeout ?? _settings.TermTimeout) + _settings.KillGrace : null;
        if (child.Stop is { } earlier)
        {
            if (earlier.KilledAt is not null) return;
            // A later, stricter request (TERM after QUIT) gets its signal through and a deadline; never a later one.
            if (earlier.Signal == signal.ToString() && (earlier.KillAt is not null || killAt is null)) return;
            earlier.Signal = signal.ToString();
            if (killAt is { } k && (earlier.KillAt is null || k < earlier.KillAt)) earlier.KillAt = k;
        }
        else
        {
            child.Stop = new StopRequest(reason, signal.ToString(), now, killAt);
        }
        ProcessSignals.Send(child.Pid, signal);
    }

    private void Kill(Child child, string reason, DateTimeOffset now)
    {
        child.Stop ??= new StopRequest(reason, "SIGKILL", now, now);
        if (child.Stop.KilledAt is not null) return;
        child.Stop.KilledAt = now;
        ProcessSignals.KillGroup(child.Pid);
    }

    /// <summary>Stage "kill" for every child whose deadline has passed.</summary>
    private void EnforceDeadlines(DateTimeOffset now)
    {
        foreach (var child in _children.Values)
        {
            if (child.Stop is not { KillAt: { } killAt, KilledAt: null } stop || now < killAt) continue;
            _log.Warning("stage kill: worker {Pid} ({Group} slot {Slot}) still alive {WaitMs:0} ms after {Signal} ({Reason}); SIGKILL to its process group",
                child.Pid, child.Group.Key, child.SlotNumber, (now - stop.RequestedAt).TotalMilliseconds, stop.Signal, stop.Reason);
            Kill(child, stop.Reason, now);
        }
    }

    private DateTimeOffset? NextDeadline(Child child) => child.Stop switch
    {
        { KilledAt: { } killed } => killed + _options.AfterKillWait,
        { KillAt: { } killAt } => killAt,
        _ => null,
    };
}
