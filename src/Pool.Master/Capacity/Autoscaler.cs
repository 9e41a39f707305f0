using System.Globalization;
using Pool.Master.Config;

namespace Pool.Master.Capacity;

/// <summary>
/// Decides the size of one `count: MIN..MAX` group from samples of its load. Pure: it reads the
/// clock and its own state, never Redis or processes, so every edge case runs in a unit test.
///
/// The rules, from Celery's autoscaler, KEDA and the Heroku autoscalers:
/// - Up fast: as soon as a sample asks for more, the size jumps to what it asks (jobs per worker:
///   busy + ceil(waiting / target); latency over target: the size times latency / target, at
///   least one more, at most double, then a short pause so the new workers can help first).
/// - Down slowly: only after <see cref="ScalingRule.Quiet"/> with every sample asking for fewer,
///   one worker at a time, the quiet clock starting again after each step (Judoscale's downscale
///   delay; Celery's keepalive).
/// - Within MIN..MAX always, and never past the memory budget: the caller says how many more
///   workers fit (the headroom), and a wish beyond it is cut and reported once as "capped".
/// The caller stops the surplus idle workers first, with QUIT, so no job is ever killed.
/// </summary>
internal sealed class Autoscaler
{
    private readonly TimeProvider _time;
    private DateTimeOffset? _quietSince;
    private DateTimeOffset? _lastLatencyStep;
    // The capped state is reported when it begins, not on every sample while it lasts.
    private bool _capped;
    // TTIN and TTOU move the configured range by their sum, so each undoes the other exactly
    // (clamping each step instead made TTOU at MIN 0 narrow 0..2 to 0..1, and TTIN then gave 1..2).
    private readonly ScalingRule _configured;
    private int _shift;

    public Autoscaler(ScalingRule rule, TimeProvider time, int? start = null)
    {
        Rule = _configured = rule;
        _time = time;
        Size = Math.Clamp(start ?? rule.Min, rule.Min, rule.Max);
    }

    public ScalingRule Rule { get; private set; }

    /// <summary>Who this autoscaler sizes (the supervisor's group of the current generation); a HUP makes a new one.</summary>
    public object? Owner { get; init; }

    /// <summary>The group's wanted number of workers.</summary>
    public int Size { get; private set; }

    /// <summary>Where the size came from after a HUP (e.g. "4 before the reload"), for the HUP line; null for a group seen first.</summary>
    public string? Origin { get; private init; }

    /// <summary>
    /// HUP: the autoscaler of the new generation's group with this one's queue list. It starts at
    /// the size this one had, the load included, not at MIN: a reload must not take a busy group
    /// down to MIN. That size is cut into the new range, and to <paramref name="fits"/>, what the
    /// memory budget holds of the group's workers, though never below MIN (the budget gate holds
    /// back those that do not fit, as for every group). TTIN/TTOU's shift ends here, as a fixed
    /// group's does. Where the rule is the same and <paramref name="keepClocks"/> (the old
    /// generation was running, not stopped by WINCH), the clocks carry over: a quiet period
    /// nearly over is not started again (unless the size changed, as TTIN/TTOU restart it),
    /// and a latency step's pause still holds. A changed rule starts with fresh clocks.
    /// </summary>
    public Autoscaler Reloaded(ScalingRule rule, int fits, object owner, bool keepClocks)
    {
        var inRange = Math.Clamp(Size, rule.Min, rule.Max);
        var start = Math.Max(rule.Min, Math.Min(inRange, fits));
        var origin = $"{Size} before the reload";
        if (Size > rule.Max) origin += $", cut to MAX {rule.Max}";
        else if (Size < rule.Min) origin += $", raised to MIN {rule.Min}";
        if (start < inRange) origin += $", cut to {start} by the memory budget";
        var next = new Autoscaler(rule, _time, start) { Owner = owner, Origin = origin };
        if (keepClocks && rule == _configured)
        {
            next._lastLatencyStep = _lastLatencyStep;
            if (start == Size)
            {
                next._quietSince = _quietSince;
                next._capped = _capped;
            }
        }
        return next;
    }

    /// <summary>The last sample's wish before MIN, MAX and the budget; for status.</summary>
    public int? Wanted { get; private set; }

    /// <summary>
    /// While the budget keeps the group capped, this sample's reason (logged once, when the cap
    /// began): status shows what the queue asks for now, not what it asked for then.
    /// </summary>
    public string? StillCapped { get; private set; }

    /// <summary>One sample. Null when the size stays; otherwise what changed and why.</summary>
    /// <param name="headroom">How many more workers the memory budget admits now.</param>
    public ScaleDecision? Decide(GroupLoad load, int headroom)
    {
        var now = _time.GetUtcNow();
        StillCapped = null;
        var (want, why, latencyStep) = Wish(load, now);
        Wanted = want;
        if (want > Size) return Grow(want, why, latencyStep, headroom, now);
        _capped = false;
        if (want == Size)
        {
            _quietSince = null;
            return null;
        }
        _quietSince ??= now;
        if (Size <= Rule.Min || now - _quietSince < Rule.Quiet) return null;
        _quietSince = now;
        var from = Size;
        Size--;
        return new ScaleDecision(ScaleDirection.Down, from, Size,
            $"{why} for {Seconds(Rule.Quiet)} (quiet period); stopping one idle worker with QUIT");
    }

    private ScaleDecision? Grow(int want, string why, bool latencyStep, int headroom, DateTimeOffset now)
    {
        _quietSince = null;
        var to = Math.Min(want, Rule.Max);
        if (want > Rule.Max) why += $" (MAX {Rule.Max})";
        if (to <= Size)
        {
            _capped = false;
            return null;
        }
        var fits = (int)Math.Min(int.MaxValue, (long)Size + Math.Max(0, headroom));
        if (to > fits)
        {
            var first = !_capped;
            _capped = true;
            if (fits <= Size)
            {
                var reason = $"{why}, but the memory budget admits no more workers";
                if (first) return new ScaleDecision(ScaleDirection.Capped, Size, Size, reason);
                StillCapped = reason;
                return null;
            }
            to = fits;
            why += $", cut to {to} by the memory budget";
        }
        else _capped = false;
        if (latencyStep) _lastLatencyStep = now;
        var from = Size;
        Size = to;
        return new ScaleDecision(ScaleDirection.Up, from, to, why);
    }

    /// <summary>TTIN (+1) or TTOU (-1): the whole range moves by one, until the next HUP, and the size with it.</summary>
    public void Shift(int delta)
    {
        // Never further than where both ends sit at 0 (more TTOUs would only need as many TTINs to undo).
        _shift = Math.Max(-_configured.Max, _shift + delta);
        var min = Math.Max(0, _configured.Min + _shift);
        Rule = Rule with { Min = min, Max = Math.Max(min, _configured.Max + _shift) };
        Size = Math.Clamp(Size + delta, Rule.Min, Rule.Max);
        _quietSince = null;
    }

    /// <summary>The size this sample asks for, before MIN, MAX and the budget, and the words for the log line.</summary>
    private (int Want, string Why, bool LatencyStep) Wish(GroupLoad load, DateTimeOffset now)
    {
        (int Want, string Why)? byJobs = null, byLatency = null;
        var latencyStep = false;
        if (Rule.JobsPerWorker is { } perWorker)
        {
            var want = (int)Math.Min(int.MaxValue, load.Busy + (load.Waiting + perWorker - 1) / perWorker);
            byJobs = (want, $"{load.Waiting} waiting and {load.Busy} busy ask for {want} at {perWorker} per worker");
        }
        if (Rule.TargetLatency is { } target)
        {
            var age = load.OldestAge;
            if (age is { } over && over > target)
            {
                if (_lastLatencyStep is { } last && now - last < ScalingRule.LatencyStepPause)
                    byLatency = (Size, $"oldest job waits {Seconds(over)}, over {Seconds(target)}; the last step is still starting");
                else
                {
                    // Proportional: twice the target's wait asks for twice the workers, within one more and double.
                    var want = (int)Math.Clamp(Math.Ceiling(Size * (over / target)), Size + 1, Math.Max(Size + 1, 2 * Size));
                    byLatency = (want, $"oldest job waits {Seconds(over)}, over the target {Seconds(target)}");
                    latencyStep = true;
                }
            }
            else if (age is null || age <= target / 2)
                byLatency = (load.Busy, $"oldest job waits {(age is { } a ? Seconds(a) : "nothing")}, under half the target {Seconds(target)}, {load.Busy} busy");
            else
                byLatency = (Size, $"oldest job waits {Seconds(age.Value)}, near the target {Seconds(target)}");
        }
        (int Want, string Why) chosen = (byJobs, byLatency) switch
        {
            ({ } j, { } l) => l.Want > j.Want ? l : j,
            ({ } j, null) => j,
            (null, { } l) => l,
            _ => (Size, "no target"),
        };
        return (chosen.Want, chosen.Why, latencyStep && byLatency is { } bl && bl.Want == chosen.Want);
    }

    // Two decimals under 10 s: "waits 2 s, over the target 2 s" hid that 2.04 is over 2.
    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString(t.TotalSeconds < 10 ? "0.##" : "0", CultureInfo.InvariantCulture) + " s";
}
