using Microsoft.Extensions.Time.Testing;
using Pool.Master.Capacity;
using Pool.Master.Config;

namespace Pool.Master.Tests.Capacity;

/// <summary>The autoscaler's state machine on a fake clock: every sample is one call, time moves only when the test moves it.</summary>
public sealed class AutoscalerTests
{
    private const int Unlimited = int.MaxValue;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));

    private Autoscaler Scaler(int min, int max, TimeSpan? latency = null, int? perWorker = null, double quietSeconds = 30) =>
        new(new ScalingRule(min, max, latency, perWorker, TimeSpan.FromSeconds(quietSeconds)), _time);

    private static GroupLoad Load(long waiting, int busy = 0, double? ageSeconds = null) =>
        new(waiting, ageSeconds is { } a ? TimeSpan.FromSeconds(a) : null, busy);

    [Fact]
    public void Starts_at_min()
    {
        Assert.Equal(2, Scaler(2, 8).Size);
    }

    [Fact]
    public void A_burst_grows_the_group_to_what_the_jobs_ask_for_in_one_sample()
    {
        var scaler = Scaler(1, 8, perWorker: 5);

        var decision = scaler.Decide(Load(waiting: 30), Unlimited);

        Assert.Equal(ScaleDirection.Up, decision!.Direction);
        Assert.Equal((1, 6), (decision.From, decision.To));
        Assert.Contains("30 waiting", decision.Reason);
    }

    [Fact]
    public void Growth_stops_at_max()
    {
        var scaler = Scaler(1, 4, perWorker: 1);
        Assert.Equal(4, scaler.Decide(Load(waiting: 100), Unlimited)!.To);
        Assert.Null(scaler.Decide(Load(waiting: 100), Unlimited));
        Assert.Equal(4, scaler.Size);
    }

    [Fact]
    public void Busy_workers_count_as_demand_so_running_jobs_are_not_shrunk_away()
    {
        var scaler = Scaler(1, 8, perWorker: 5, quietSeconds: 1);
        scaler.Decide(Load(waiting: 20), Unlimited);
        Assert.Equal(4, scaler.Size);

        // The queue drained into the four workers: all busy, nothing waiting.
        for (var i = 0; i < 10; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            Assert.Null(scaler.Decide(Load(waiting: 0, busy: 4), Unlimited));
        }
        Assert.Equal(4, scaler.Size);
    }

    [Fact]
    public void Shrinks_by_one_only_after_the_quiet_period_and_one_more_per_period()
    {
        var scaler = Scaler(1, 8, perWorker: 1, quietSeconds: 30);
        scaler.Decide(Load(waiting: 3), Unlimited);
        Assert.Equal(3, scaler.Size);

        Assert.Null(scaler.Decide(Load(0), Unlimited));
        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.Null(scaler.Decide(Load(0), Unlimited));
        _time.Advance(TimeSpan.FromSeconds(1));
        var down = scaler.Decide(Load(0), Unlimited);
        Assert.Equal((ScaleDirection.Down, 3, 2), (down!.Direction, down.From, down.To));
        Assert.Contains("quiet period", down.Reason);

        // The quiet clock starts again after each step.
        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.Null(scaler.Decide(Load(0), Unlimited));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, scaler.Decide(Load(0), Unlimited)!.To);
    }

    [Fact]
    public void Never_shrinks_below_min()
    {
        var scaler = Scaler(2, 8, perWorker: 1, quietSeconds: 1);
        for (var i = 0; i < 5; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(2));
            Assert.Null(scaler.Decide(Load(0), Unlimited));
        }
        Assert.Equal(2, scaler.Size);
    }

    [Fact]
    public void A_busy_sample_during_the_quiet_period_starts_it_again()
    {
        var scaler = Scaler(1, 8, perWorker: 1, quietSeconds: 10);
        scaler.Decide(Load(waiting: 2), Unlimited);
        scaler.Decide(Load(0), Unlimited);
        _time.Advance(TimeSpan.FromSeconds(9));
        // A sample that needs exactly the current size interrupts the quiet.
        Assert.Null(scaler.Decide(Load(0, busy: 2), Unlimited));
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Null(scaler.Decide(Load(0), Unlimited));
        _time.Advance(TimeSpan.FromSeconds(9));
        Assert.Null(scaler.Decide(Load(0), Unlimited));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(ScaleDirection.Down, scaler.Decide(Load(0), Unlimited)!.Direction);
    }

    [Fact]
    public void The_budget_cuts_growth_to_what_fits_and_says_so()
    {
        var scaler = Scaler(1, 8, perWorker: 1);

        var up = scaler.Decide(Load(waiting: 8), headroom: 2);

        Assert.Equal((1, 3), (up!.From, up.To));
        Assert.Contains("memory budget", up.Reason);
    }

    [Fact]
    public void A_full_budget_is_reported_once_as_capped_not_at_every_sample()
    {
        var scaler = Scaler(1, 8, perWorker: 1);

        var capped = scaler.Decide(Load(waiting: 8), headroom: 0);
        Assert.Equal(ScaleDirection.Capped, capped!.Direction);
        Assert.Equal((1, 1), (capped.From, capped.To));
        Assert.Null(scaler.Decide(Load(waiting: 8), headroom: 0));
        // Status follows the queue while the cap lasts (it kept the first sample's "8 waiting").
        Assert.Null(scaler.Decide(Load(waiting: 36), headroom: 0));
        Assert.StartsWith("36 waiting and 0 busy ask for 36", scaler.StillCapped);

        // Memory freed: it grows to what the jobs ask; asking more when full again is a new capped state, reported again.
        Assert.Equal(ScaleDirection.Up, scaler.Decide(Load(waiting: 4), headroom: 10)!.Direction);
        Assert.Equal(ScaleDirection.Capped, scaler.Decide(Load(waiting: 8), headroom: 0)!.Direction);
    }

    [Fact]
    public void Latency_over_target_grows_in_proportion_at_most_doubling()
    {
        var scaler = Scaler(2, 20, latency: TimeSpan.FromSeconds(5));

        // Three times the target: three times the workers, but at most double in one step.
        var up = scaler.Decide(Load(waiting: 1, ageSeconds: 15), Unlimited);

        Assert.Equal((2, 4), (up!.From, up.To));
        Assert.Contains("over the target", up.Reason);
    }

    [Fact]
    public void Latency_steps_wait_for_the_last_step_to_start()
    {
        var scaler = Scaler(1, 20, latency: TimeSpan.FromSeconds(5));
        Assert.Equal(2, scaler.Decide(Load(1, ageSeconds: 8), Unlimited)!.To);

        _time.Advance(ScalingRule.LatencyStepPause - TimeSpan.FromMilliseconds(1));
        Assert.Null(scaler.Decide(Load(1, ageSeconds: 9), Unlimited));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        // 9 s against 5: 2 x 1.8 = 4 (within one more and double).
        Assert.Equal(4, scaler.Decide(Load(1, ageSeconds: 9), Unlimited)!.To);
    }

    [Fact]
    public void Latency_between_half_and_the_target_holds_the_size()
    {
        var scaler = Scaler(1, 8, latency: TimeSpan.FromSeconds(10), quietSeconds: 1);
        scaler.Decide(Load(1, ageSeconds: 30), Unlimited);
        var size = scaler.Size;
        for (var i = 0; i < 5; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(2));
            Assert.Null(scaler.Decide(Load(1, ageSeconds: 7), Unlimited));
        }
        Assert.Equal(size, scaler.Size);
    }

    [Fact]
    public void Latency_under_half_the_target_with_idle_workers_shrinks_after_the_quiet_period()
    {
        var scaler = Scaler(1, 8, latency: TimeSpan.FromSeconds(10), quietSeconds: 5);
        scaler.Decide(Load(1, ageSeconds: 30), Unlimited);
        Assert.Equal(2, scaler.Size);

        Assert.Null(scaler.Decide(Load(0, busy: 1), Unlimited));
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(1, scaler.Decide(Load(0, busy: 1), Unlimited)!.To);
    }

    [Fact]
    public void With_both_targets_either_grows_and_both_must_agree_to_shrink()
    {
        var scaler = Scaler(1, 10, latency: TimeSpan.FromSeconds(10), perWorker: 100, quietSeconds: 1);
        // Few jobs, but old: latency asks for more.
        Assert.Equal(2, scaler.Decide(Load(3, ageSeconds: 20), Unlimited)!.To);
        // Many young jobs: jobs per worker asks for more.
        Assert.Equal(6, scaler.Decide(Load(600, ageSeconds: 0), Unlimited)!.To);
        // Latency is quiet, but the jobs still ask for 6: no shrink.
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Null(scaler.Decide(Load(600, ageSeconds: 0), Unlimited));
        Assert.Equal(6, scaler.Size);
    }

    [Fact]
    public void No_target_means_five_jobs_per_worker()
    {
        var scaler = Scaler(0, 10);
        Assert.Equal(3, scaler.Decide(Load(11), Unlimited)!.To);
        Assert.Contains("(default)", scaler.Rule.Describe());
    }

    [Fact]
    public void Ttin_and_ttou_move_the_range_and_the_size_by_one()
    {
        var scaler = Scaler(1, 4, perWorker: 1);
        scaler.Decide(Load(2), Unlimited);

        scaler.Shift(+1);
        Assert.Equal((2, 5, 3), (scaler.Rule.Min, scaler.Rule.Max, scaler.Size));

        scaler.Shift(-1);
        scaler.Shift(-1);
        scaler.Shift(-1);
        Assert.Equal((0, 2, 0), (scaler.Rule.Min, scaler.Rule.Max, scaler.Size));
    }

    [Fact]
    public void Ttin_undoes_ttou_exactly_even_where_the_range_met_zero()
    {
        var scaler = Scaler(0, 2, perWorker: 1);

        scaler.Shift(-1);
        Assert.Equal((0, 1), (scaler.Rule.Min, scaler.Rule.Max));
        scaler.Shift(+1);
        Assert.Equal((0, 2), (scaler.Rule.Min, scaler.Rule.Max));

        // Past 0..0 a TTOU changes nothing, so it needs no TTIN to undo.
        for (var i = 0; i < 4; i++) scaler.Shift(-1);
        Assert.Equal((0, 0, 0), (scaler.Rule.Min, scaler.Rule.Max, scaler.Size));
        scaler.Shift(+1);
        scaler.Shift(+1);
        Assert.Equal((0, 2), (scaler.Rule.Min, scaler.Rule.Max));
    }

    [Fact]
    public void A_new_generation_after_hup_starts_at_the_old_size_clamped_into_its_range()
    {
        var rule = new ScalingRule(2, 5, null, 1, TimeSpan.FromSeconds(1));
        Assert.Equal(5, new Autoscaler(rule, _time, start: 9).Size);
        Assert.Equal(3, new Autoscaler(rule, _time, start: 3).Size);
        Assert.Equal(2, new Autoscaler(rule, _time, start: 0).Size);
    }

    private static ScalingRule Rule(int min, int max, double quietSeconds = 30) => new(min, max, null, 1, TimeSpan.FromSeconds(quietSeconds));

    [Fact]
    public void A_reload_starts_at_the_size_the_group_had_within_the_new_range_and_the_budget_never_below_min_and_says_why()
    {
        var scaler = Scaler(1, 8, perWorker: 1);
        scaler.Decide(Load(waiting: 5), Unlimited);
        var owner = new object();

        (int, string?) After(ScalingRule rule, int fits = Unlimited)
        {
            var next = scaler.Reloaded(rule, fits, owner, keepClocks: true);
            Assert.Same(owner, next.Owner);
            return (next.Size, next.Origin);
        }

        Assert.Equal((5, "5 before the reload"), After(Rule(1, 8)));
        Assert.Equal((4, "5 before the reload, cut to MAX 4"), After(Rule(1, 4)));
        Assert.Equal((6, "5 before the reload, raised to MIN 6"), After(Rule(6, 8)));
        Assert.Equal((3, "5 before the reload, cut to 3 by the memory budget"), After(Rule(1, 8), fits: 3));
        Assert.Equal((2, "5 before the reload, cut to 2 by the memory budget"), After(Rule(2, 8), fits: 0));
    }

    [Fact]
    public void The_quiet_clock_carries_over_a_reload_of_the_same_rule_and_starts_again_for_a_changed_one()
    {
        var scaler = Scaler(1, 8, perWorker: 1, quietSeconds: 30);
        scaler.Decide(Load(waiting: 3), Unlimited);
        Assert.Null(scaler.Decide(Load(0), Unlimited));
        _time.Advance(TimeSpan.FromSeconds(20));

        var same = scaler.Reloaded(Rule(1, 8), Unlimited, this, keepClocks: true);
        var changed = scaler.Reloaded(Rule(1, 9), Unlimited, this, keepClocks: true);
        var afterWinch = scaler.Reloaded(Rule(1, 8), Unlimited, this, keepClocks: false);
        var cut = scaler.Reloaded(Rule(1, 2), Unlimited, this, keepClocks: true);
        foreach (var next in new[] { same, changed, afterWinch, cut }) Assert.Null(next.Decide(Load(0), Unlimited));
        _time.Advance(TimeSpan.FromSeconds(10));

        // 30 s of quiet since before the reload: the same rule steps down now.
        Assert.Equal((ScaleDirection.Down, 3, 2), (same.Decide(Load(0), Unlimited) is { } d ? (d.Direction, d.From, d.To) : default));
        // A changed rule, a group WINCH had stopped, or a size the reload changed wait a whole quiet period of their own.
        Assert.Null(changed.Decide(Load(0), Unlimited));
        Assert.Null(afterWinch.Decide(Load(0), Unlimited));
        Assert.Null(cut.Decide(Load(0), Unlimited));
        _time.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(ScaleDirection.Down, changed.Decide(Load(0), Unlimited)!.Direction);
        Assert.Equal(ScaleDirection.Down, afterWinch.Decide(Load(0), Unlimited)!.Direction);
    }

    [Fact]
    public void A_latency_steps_pause_carries_over_a_reload_of_the_same_rule()
    {
        var rule = new ScalingRule(1, 20, TimeSpan.FromSeconds(5), null, TimeSpan.FromSeconds(30));
        var scaler = new Autoscaler(rule, _time);
        Assert.Equal(2, scaler.Decide(Load(1, ageSeconds: 8), Unlimited)!.To);

        var next = scaler.Reloaded(rule, Unlimited, this, keepClocks: true);
        Assert.Null(next.Decide(Load(1, ageSeconds: 9), Unlimited));
        _time.Advance(ScalingRule.LatencyStepPause);
        Assert.Equal(4, next.Decide(Load(1, ageSeconds: 9), Unlimited)!.To);
    }

    [Fact]
    public void A_reload_ends_ttin_and_ttous_shift_and_a_later_ttin_moves_the_new_range()
    {
        var scaler = Scaler(1, 4, perWorker: 1);
        scaler.Shift(+1);
        Assert.Equal((2, 5, 2), (scaler.Rule.Min, scaler.Rule.Max, scaler.Size));

        var next = scaler.Reloaded(Rule(1, 4), Unlimited, this, keepClocks: true);
        Assert.Equal((1, 4, 2), (next.Rule.Min, next.Rule.Max, next.Size));
        next.Shift(-1);
        Assert.Equal((0, 3, 1), (next.Rule.Min, next.Rule.Max, next.Size));
    }

    [Fact]
    public void A_huge_backlog_does_not_overflow_the_wish()
    {
        var scaler = Scaler(1, 10_000, perWorker: 1);
        Assert.Equal(10_000, scaler.Decide(Load(long.MaxValue / 2, busy: 3), Unlimited)!.To);
    }
}
