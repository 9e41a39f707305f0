using Mono.Unix.Native;
using Pool.Master.Processes;

namespace Pool.Master.Tests.Supervision.InProcess;

/// <summary>What the supervisor asked of the operating system, in the order it asked.</summary>
/// <param name="Kind">"start", "signal", "killgroup" or "members" (a look at the group).</param>
internal sealed record FakeOp(string Kind, int Pid, Signum? Signal = null);

/// <summary>
/// The operating system as the supervisor sees it, without processes: every start, signal and
/// group kill is recorded, and a child only "exits" when the test calls <see cref="Exit"/>, which
/// runs the exit callback the way the runtime would after a reap. Memory, group members and
/// signal handlers are whatever the test sets.
/// </summary>
internal sealed class FakeWorkerProcesses : IWorkerProcesses
{
    private readonly Lock _gate = new();
    private readonly List<FakeOp> _ops = [];
    private readonly List<FakeProcess> _started = [];
    private readonly Dictionary<int, double> _rss = [];
    private readonly Dictionary<int, int[]> _members = [];
    private readonly HashSet<(int, Signum)> _notCaught = [];
    private int _nextPid = 4000;

    /// <summary>Thrown by the next starts while set, as a failing fork or exec would.</summary>
    public Exception? StartFailure { get; set; }

    /// <summary>When set, a started child exits with this code inside Start, before Start returns.</summary>
    public int? ExitDuringStart { get; set; }

    /// <summary>When set, every call but Start throws it: a pass that fails half-way.</summary>
    public Exception? Fault { get; set; }

    public IWorkerProcess Start(IReadOnlyList<string> argv, IReadOnlyDictionary<string, string> environment, Action<IWorkerProcess> onExited, bool standby = false)
    {
        FakeProcess process;
        lock (_gate)
        {
            if (StartFailure is { } failure) throw failure;
            process = new FakeProcess(_nextPid++, argv, environment, onExited) { IsStandby = standby };
            _started.Add(process);
            _ops.Add(new FakeOp("start", process.Pid));
        }
        if (ExitDuringStart is { } code) Exit(process.Pid, code);
        return process;
    }

    public bool Send(int pid, Signum signal)
    {
        lock (_gate)
        {
            ThrowIfFaulty();
            _ops.Add(new FakeOp("signal", pid, signal));
            return _started.Any(p => p.Pid == pid && !p.HasExited);
        }
    }

    public bool KillGroup(int pgid)
    {
        lock (_gate)
        {
            ThrowIfFaulty();
            _ops.Add(new FakeOp("killgroup", pgid));
            return _started.Any(p => p.Pid == pgid && !p.HasExited) || _members.ContainsKey(pgid);
        }
    }

    public IReadOnlyList<int> GroupMembers(int pgid)
    {
        lock (_gate)
        {
            _ops.Add(new FakeOp("members", pgid));
            return _members.TryGetValue(pgid, out var members) ? members : [];
        }
    }

    public double? ResidentMb(int pid)
    {
        lock (_gate)
        {
            ThrowIfFaulty();
            return _rss.TryGetValue(pid, out var mb) ? mb : null;
        }
    }

    public bool Catches(int pid, Signum signal)
    {
        lock (_gate) return !_notCaught.Contains((pid, signal));
    }

    /// <summary>The child is reaped with <paramref name="code"/>: its exit callback runs on this thread, as the runtime's would on its own.</summary>
    public void Exit(int pid, int code)
    {
        FakeProcess process;
        lock (_gate)
        {
            process = _started.Single(p => p.Pid == pid);
            if (process.HasExited) throw new InvalidOperationException($"fake worker {pid} has exited already");
            process.ExitCode = code;
            process.HasExited = true;
        }
        process.OnExited(process);
    }

    public void SetResidentMb(int pid, double mb)
    {
        lock (_gate) _rss[pid] = mb;
    }

    /// <summary>Processes left in the child's group besides itself (a job's own children).</summary>
    public void SetGroupMembers(int pgid, params int[] members)
    {
        lock (_gate) _members[pgid] = members;
    }

    /// <summary>Whether the child has installed its handler for <paramref name="signal"/> yet (SigCgt).</summary>
    public void SetCatches(int pid, Signum signal, bool catches)
    {
        lock (_gate)
        {
            if (catches) _notCaught.Remove((pid, signal));
            else _notCaught.Add((pid, signal));
        }
    }

    public IReadOnlyList<FakeOp> Ops
    {
        get { lock (_gate) return [.. _ops]; }
    }

    /// <summary>Every child ever started, oldest first.</summary>
    public IReadOnlyList<FakeProcess> Started
    {
        get { lock (_gate) return [.. _started]; }
    }

    /// <summary>The children that have not exited, oldest first.</summary>
    public IReadOnlyList<FakeProcess> Live
    {
        get { lock (_gate) return _started.Where(p => !p.HasExited).ToList(); }
    }

    public IReadOnlyList<Signum> SignalsTo(int pid) =>
        Ops.Where(o => o.Kind == "signal" && o.Pid == pid).Select(o => o.Signal!.Value).ToList();

    public IReadOnlyList<int> GroupKills => Ops.Where(o => o.Kind == "killgroup").Select(o => o.Pid).ToList();

    private void ThrowIfFaulty()
    {
        if (Fault is { } fault) throw fault;
    }
}

internal sealed class FakeProcess(int pid, IReadOnlyList<string> argv, IReadOnlyDictionary<string, string> environment, Action<IWorkerProcess> onExited)
    : IWorkerProcess
{
    public int Pid { get; } = pid;
    public IReadOnlyList<string> Argv { get; } = argv;
    public IReadOnlyDictionary<string, string> Environment { get; } = environment;
    public Action<IWorkerProcess> OnExited { get; } = onExited;
    public int ExitCode { get; set; }
    public bool HasExited { get; set; }
    public bool Disposed { get; private set; }
    public void Dispose() => Disposed = true;

    /// <summary>Started as a standby, with a pipe as stdin.</summary>
    public bool IsStandby { get; init; }

    /// <summary>The slot the master gave this standby; null until then.</summary>
    public int? PromotedTo { get; private set; }

    public bool Promote(int slot)
    {
        // A real pipe refuses the line once its reader is gone (EPIPE), and once it was closed.
        if (!IsStandby || HasExited || PromotedTo is not null) return false;
        PromotedTo = slot;
        return true;
    }
}
