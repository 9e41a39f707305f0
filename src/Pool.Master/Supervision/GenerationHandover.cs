using Pool.Master.Stores;
using Serilog;

namespace Pool.Master.Supervision;

/// <summary>
/// A HUP's handover from the old workers to the new: the old ones leave their slots at once (so
/// they are never respawned) but keep taking jobs until every new worker has registered in
/// Resque's worker set, i.e. is connected and ready for jobs; only then do they get TERM. So a
/// reload never leaves a moment with nobody to take jobs (it took a new worker about 0.5 s to
/// be ready, in which the old ones used to be stopping already). A new worker that is not ready
/// within <see cref="Patience"/> (a crash loop, Redis down, a command that never registers, such
/// as a shell script) does not hold the old ones longer than that. Owned by the loop; the
/// question to Redis runs off it and its answer comes back as <see cref="ReplacementsRegistered"/>.
/// </summary>
internal sealed class GenerationHandover(SlotTable table, StopPlan stops, GuardedStore store, Action<MasterEvent> post, ILogger log)
{
    /// <summary>How long the old workers wait for the new ones at most.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    /// <summary>How often Redis is asked whether the new workers have registered.</summary>
    public static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    private readonly List<Child> _outgoing = [];
    private DateTimeOffset _begun;
    private DateTimeOffset _deadline;
    private DateTimeOffset _nextQuestion;
    private bool _questionOut;

    /// <summary>The old generation leaves its slots now and is retired once the new one is ready.</summary>
    public void Begin(IReadOnlyList<Child> old, DateTimeOffset now)
    {
        foreach (var child in old) child.Slot = null;
        // A HUP during a handover adds its old workers to the waiting ones, but does not extend
        // the wait: HUPs a few seconds apart must not keep generation after generation alive.
        if (_outgoing.Count == 0)
        {
            _begun = now;
            _deadline = now + Patience;
        }
        _outgoing.AddRange(old);
        _nextQuestion = now;
        Maintain(now);
    }

    /// <summary>The next moment this needs the loop: a question to ask, or the deadline.</summary>
    public DateTimeOffset? NextCheck => _outgoing.Count == 0 ? null : _questionOut ? _deadline : Min(_nextQuestion, _deadline);

    public void Maintain(DateTimeOffset now)
    {
        if (_outgoing.Count == 0) return;
        if (stops.IsStopping)
        {
            // The master's stop reaches every child, these too, with its own signal and deadline.
            _outgoing.Clear();
            return;
        }
        if (now >= _deadline)
        {
            log.Warning("HUP: not every new worker is ready after {Seconds:0} s; retiring the old ones anyway", Patience.TotalSeconds);
            RetireOutgoing(now);
            return;
        }
        if (_questionOut || now < _nextQuestion) return;
        if (!table.Slots.Any())
        {
            // The new config runs no worker (or WINCH emptied the slots): nothing to wait for.
            RetireOutgoing(now);
            return;
        }
        if (!EverySlotSeated())
        {
            // A new slot without a worker (crash-looping, or waiting at the memory budget gate)
            // is not ready: the old workers go on until it is, or until the patience runs out.
            _nextQuestion = now + Poll;
            return;
        }
        var ids = NewWorkerIds();
        _questionOut = true;
        _ = Task.Run(async () => post(new ReplacementsRegistered(await store.RegisteredWorkersAsync(ids).ConfigureAwait(false))));
    }

    public void OnRegistered(ReplacementsRegistered answer, DateTimeOffset now)
    {
        _questionOut = false;
        if (_outgoing.Count == 0) return;
        // Asked about the workers seated then; one that replaced a crashed one since is asked about next time.
        if (answer.Registered is { } registered && EverySlotSeated() && NewWorkerIds().All(registered.Contains))
        {
            log.Information("HUP: the new workers are ready after {Ms:0} ms; retiring {Old} old worker(s)", (now - _begun).TotalMilliseconds, _outgoing.Count);
            RetireOutgoing(now);
            return;
        }
        if (answer.Registered is null && !store.IsConnected)
        {
            // No new worker can be ready without Redis, and no old one takes jobs either: waiting gains nothing.
            log.Warning("HUP: Redis is unreachable, so whether the new workers are ready cannot be known; retiring the old ones now");
            RetireOutgoing(now);
            return;
        }
        _nextQuestion = now + Poll;
    }

    private bool EverySlotSeated() => table.Slots.All(s => s.Child is { Stop: null });

    /// <summary>The workers of the current generation that are not stopping: the ones a handover waits for.</summary>
    private List<string> NewWorkerIds() => [.. table.Seated.Where(c => c.Stop is null).SelectMany(c => c.WorkerIds)];

    /// <summary>WINCH during a handover: the waiting old workers go as WINCH's do, with QUIT.</summary>
    public int RetireForPause(DateTimeOffset now) => RetireOutgoing(now, "WINCH", finishJob: true);

    private int RetireOutgoing(DateTimeOffset now, string reason = "replaced by HUP", bool finishJob = false)
    {
        // One that exited meanwhile is out of the table; one already stopping (a master stop,
        // the memory limit) keeps the stop it has.
        var live = table.Children.ToHashSet();
        var retiring = _outgoing.Where(c => live.Contains(c) && c.Stop is null).ToList();
        foreach (var child in retiring) stops.Retire(child, reason, now, finishJob);
        _outgoing.Clear();
        return retiring.Count;
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
