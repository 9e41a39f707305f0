using Pool.Master.Capacity;
using Pool.Master.Config;
using Pool.Master.Tests.Config;

namespace Pool.Master.Tests.Capacity;

/// <summary>count: auto, count: MIN..MAX with its targets, and memory_budget in pool.yml.</summary>
public sealed class CapacityConfigTests
{
    private const long Mb = 1024 * 1024;

    [Fact]
    public void A_range_makes_an_autoscaled_group_that_starts_at_min()
    {
        var group = ConfigLoaderTests.Parse("crunch:\n  count: 2..8\n  target_latency: 5\n  target_jobs_per_worker: 3\n  scale_down_after: 60\n").Groups[0];

        Assert.Equal(2, group.Count);
        Assert.Equal(new ScalingRule(2, 8, TimeSpan.FromSeconds(5), 3, TimeSpan.FromSeconds(60)), group.Scaling);
    }

    [Fact]
    public void The_short_form_takes_a_range_and_auto_too()
    {
        var config = ConfigLoaderTests.Parse("foo: 1..4\nbar: auto\n");

        Assert.Equal(new ScalingRule(1, 4), config.Groups[0].Scaling);
        Assert.True(config.Groups[1].AutoCount);
    }

    [Theory]
    [InlineData("foo: 5..2\n", "runs backwards")]
    [InlineData("foo: 0..0\n", "never runs a worker")]
    [InlineData("foo: 1..x\n", "the range '1..x' must be two whole numbers, MIN..MAX; write e.g. count: 1..8")]
    [InlineData("foo: -1..3\n", "cannot be negative")]
    [InlineData("foo: 1...3\n", "the range '1...3' must be two whole numbers, MIN..MAX; write e.g. count: 1..8")]
    [InlineData("foo: 1..\n", "has no worker count")]
    [InlineData("foo:\n  count: [1, 4]\n", "takes one value, not a list; write a range of workers as MIN..MAX, e.g. count: 1..4")]
    [InlineData("foo:\n  count: 2\n  standby: {n: 1}\n", "'foo.standby': takes one value, not a mapping")]
    [InlineData("memory_budget: [1GB]\nfoo: 1\n", "'memory_budget': takes one value, not a list")]
    [InlineData("foo:\n  count: 3\n  target_latency: 5\n", "need an autoscaled count")]
    [InlineData("foo:\n  count: auto\n  scale_down_after: 5\n", "need an autoscaled count")]
    [InlineData("foo:\n  count: 1..3\n  target_latency: 0\n", "target_latency: 5")]
    [InlineData("foo:\n  count: 1..3\n  target_jobs_per_worker: 0\n", "target_jobs_per_worker: 5")]
    [InlineData("foo:\n  count: 1..3\n  scale_down_after: soon\n", "scale_down_after: 30")]
    [InlineData("memory_budget: lots\nfoo: 1\n", "memory_budget: 1536MB")]
    [InlineData("memory_budget: 99999999999GB\nfoo: 1\n", "is too large: at most 1048576 GB (1 PiB), got '99999999999GB'")]
    [InlineData("production:\n  memory_budget: 1GB\n  foo: 1\n", "put it at the top level")]
    [InlineData("foo:\n  count: 1\n  memory_budget: 1GB\n", "memory_budget is pool-wide; put it at the top level of the file (a group's own size is memory_limit_mb)")]
    public void Bad_capacity_settings_fail_with_file_line_and_key(string yaml, string hint)
    {
        var e = ConfigLoaderTests.Fails(yaml);
        Assert.Contains(hint, e.Message);
        Assert.StartsWith("pool.yml:", e.Message);
        Assert.NotNull(e.Key);
    }

    [Fact]
    public void Memory_budget_is_read_from_the_top_level_with_interpolation()
    {
        var config = ConfigLoaderTests.Parse("memory_budget: ${BUDGET:-75%}\nfoo: 1\n");

        Assert.Equal(75, config.MemoryBudget!.Percent);
        Assert.Single(config.Groups);
    }

    [Fact]
    public void Auto_fills_what_the_budget_leaves_after_the_master_and_the_other_groups()
    {
        var config = ConfigLoaderTests.Parse("memory_budget: 1000MB\nfixed: 2\nscaled: 1..9\nfill:\n  count: auto\n  memory_limit_mb: 100\n");

        var (resolved, plan) = CapacityPlan.Resolve(config, new MemoryLimit(4096 * Mb, "test"));

        // 1000 - 48 (master) - 3 x 64 (fixed 2 and the range's MIN 1, at the default estimate) = 760; / 100 = 7.
        Assert.Equal(7, resolved.Groups[2].Count);
        var note = Assert.Single(plan.Notes);
        Assert.Contains("fill: auto = 7", note);
        Assert.Contains("its memory_limit_mb", note);
    }

    /// <summary>A 24 GB, 2-core VM without a cgroup limit: auto meant 338 workers, and neither check nor run said a word.</summary>
    [Fact]
    public void Auto_sized_to_the_whole_machine_without_memory_budget_is_a_warning_naming_the_line_and_the_fix()
    {
        var machine = new MemoryLimit(24_000 * Mb, MemoryLimit.MachineSource);

        var (config, _) = CapacityPlan.Resolve(ConfigLoaderTests.Parse("fixed: 1\nfill: auto\n"), machine);

        var warning = Assert.Single(config.Warnings);
        Assert.StartsWith("pool.yml:2: key 'fill': auto = 335 worker(s), sized to the whole machine's memory (23.4 GB (/proc/meminfo MemTotal)): no cgroup limit and no memory_budget;", warning, StringComparison.Ordinal);
        Assert.Contains("set memory_budget: (e.g. memory_budget: 2GB) or a fixed count", warning, StringComparison.Ordinal);
        // A cgroup limit or a memory_budget sizes it on purpose: no warning.
        Assert.Empty(CapacityPlan.Resolve(ConfigLoaderTests.Parse("fixed: 1\nfill: auto\n"), new MemoryLimit(512 * Mb, "cgroup v2 /sys/fs/cgroup/memory.max")).Config.Warnings);
        Assert.Empty(CapacityPlan.Resolve(ConfigLoaderTests.Parse("memory_budget: 2GB\nfill: auto\n"), machine).Config.Warnings);
    }

    /// <summary>`mail: 20` under `memory_budget: 512MB`: check printed "workers: 20" and run ran 7, for good, with no word at start.</summary>
    [Fact]
    public void Fixed_counts_and_mins_the_budget_cannot_hold_are_a_warning_naming_the_first_group_short()
    {
        var limit = new MemoryLimit(4096 * Mb, "test");

        var (config, _) = CapacityPlan.Resolve(ConfigLoaderTests.Parse("memory_budget: 512MB\nmail: 20\n"), limit);

        var warning = Assert.Single(config.Warnings);
        Assert.StartsWith("pool.yml:2: key 'mail': 20 worker(s) at 64 MB per worker", warning, StringComparison.Ordinal);
        // 48 + 20 x 64 = 1328 MB; 512 - 48 = 464 MB holds 7 of them.
        Assert.Contains("need 1328 MB at their estimates, so 13 of them never start", warning, StringComparison.Ordinal);

        // A range's MIN counts, and the first group that comes up short (file order, as slots fill) is named.
        var (ranged, _) = CapacityPlan.Resolve(ConfigLoaderTests.Parse("memory_budget: 512MB\nfirst: 4\nmail:\n  count: 6..9\n"), limit);
        Assert.StartsWith("pool.yml:4: key 'mail.count': its MIN of 6 worker(s)", Assert.Single(ranged.Warnings), StringComparison.Ordinal);

        // What fits, and a range whose MAX only the budget caps, say nothing: the autoscaler's cap is logged when it happens.
        Assert.Empty(CapacityPlan.Resolve(ConfigLoaderTests.Parse("memory_budget: 512MB\nmail: 7\n"), limit).Config.Warnings);
        Assert.Empty(CapacityPlan.Resolve(ConfigLoaderTests.Parse("memory_budget: 512MB\nmail: 1..20\n"), limit).Config.Warnings);
        Assert.Empty(CapacityPlan.Resolve(ConfigLoaderTests.Parse("memory_budget: 512MB\nmail: 1\nfill: auto\n"), limit).Config.Warnings);
    }

    [Fact]
    public void Auto_groups_share_the_budget_and_get_at_least_one_worker()
    {
        var (two, _) = CapacityPlan.Resolve(ConfigLoaderTests.Parse("memory_budget: 560MB\na: auto\nb: auto\n"), new MemoryLimit(4096 * Mb, "test"));
        Assert.Equal([4, 4], two.Groups.Select(g => g.Count));

        // Room for one worker of either group alone, not both: the auto group waits at the gate.
        var (tiny, tinyPlan) = CapacityPlan.Resolve(ConfigLoaderTests.Parse("memory_budget: 120MB\nsmall:\n  count: 1\n  memory_limit_mb: 60\na:\n  count: auto\n  memory_limit_mb: 70\n"), new MemoryLimit(4096 * Mb, "test"));
        Assert.Equal(1, tiny.Groups[1].Count);
        Assert.Contains("waits at the budget gate", tinyPlan.Notes[0]);
    }

    /// <summary>Found only once the memory limit is known, after the file is read: the error named no line.</summary>
    [Theory]
    [InlineData("memory_budget: 100MB\nfoo: 1\n", 1, "100MB is 100 MB, which cannot hold the master's 48 MB reserve and one worker of foo (64 MB estimated)")]
    [InlineData("small: 1\nbig:\n  count: 1\n  memory_limit_mb: 200\n\nmemory_budget: 120MB\n", 6, "one worker of big (200 MB estimated)")]
    [InlineData("foo: auto\nmemory_budget: ${BUDGET:-1%}\n", 2, "raise it to at least 112 MB")]
    public void A_budget_that_cannot_hold_the_master_and_one_worker_is_refused_since_no_worker_would_ever_start(string yaml, int line, string error)
    {
        var e = Assert.Throws<ConfigException>(() => CapacityPlan.Resolve(ConfigLoaderTests.Parse(yaml), new MemoryLimit(4096 * Mb, "test")));
        Assert.Contains(error, e.Message, StringComparison.Ordinal);
        Assert.Equal("memory_budget", e.Key);
        Assert.Equal(line, e.Line);
        Assert.StartsWith($"pool.yml:{line}: key 'memory_budget': ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_group_whose_one_worker_the_default_budget_cannot_hold_is_refused_naming_its_memory_limit()
    {
        // A 400 MB cgroup: the default budget is 336 MB; a 400 MB worker never starts (a trial found
        // check accepting it, and run then starting no worker, ever).
        var e = Assert.Throws<ConfigException>(() => CapacityPlan.Resolve(ConfigLoaderTests.Parse("foo:\n  count: 2\n  memory_limit_mb: 400\n"), new MemoryLimit(400 * Mb, "test")));
        Assert.Equal("foo.memory_limit_mb", e.Key);
        Assert.Contains("estimated at 400 MB per worker (its memory_limit_mb); one of them and the master's 48 MB reserve do not fit the memory budget of 336 MB", e.Message, StringComparison.Ordinal);
        // Without a limit there is no budget, and nothing to refuse.
        CapacityPlan.Resolve(ConfigLoaderTests.Parse("foo:\n  count: 2\n  memory_limit_mb: 400\n"), new MemoryLimit(long.MaxValue, "none"));
    }

    [Fact]
    public void A_worker_counts_at_its_estimate_or_its_measured_pss_whichever_is_more()
    {
        var plain = ConfigLoaderTests.Parse("foo: 1\n").Groups[0];
        var capped = ConfigLoaderTests.Parse("foo:\n  count: 1\n  memory_limit_mb: 300\n").Groups[0];
        // An idle worker's 20 MB does not lower the estimate: the same worker may take a big job next.
        Assert.Equal(64 * Mb, WorkerCost.Estimate(plain, [20 * Mb]));
        Assert.Equal(90 * Mb, WorkerCost.Estimate(plain, [20 * Mb, 90 * Mb]));
        Assert.Equal(300 * Mb, WorkerCost.Estimate(capped, [20 * Mb]));
    }

    [Fact]
    public void Check_separates_a_ranges_words_from_the_groups_options()
    {
        var config = ConfigLoaderTests.Parse("foo:\n  count: 1..4\n  concurrency: 4\n  standby: 2\nbar: 2\n");

        var text = ConfigPrinter.Describe(config);

        Assert.Contains("  foo: 1..4, target 5 waiting job(s) per worker (default), down one worker per 30 s quiet; concurrency=4 standby=2\n", text, StringComparison.Ordinal);
        Assert.Contains("  bar: 2\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_prints_the_budget_and_what_auto_resolved_to()
    {
        var (config, plan) = CapacityPlan.Resolve(ConfigLoaderTests.Parse("a: auto\nb: 1..3\n"), new MemoryLimit(512 * Mb, "cgroup v2 /sys/fs/cgroup/memory.max"));

        var text = ConfigPrinter.Describe(config) + CapacityPrinter.Describe(plan);

        Assert.Contains("a: 5 (auto)", text);
        Assert.Contains("b: 1..3, target 5 waiting job(s) per worker (default)", text);
        Assert.Contains("memory limit: 512 MB (cgroup v2 /sys/fs/cgroup/memory.max)", text);
        Assert.Contains("memory budget: 448 MB (default", text);
        Assert.Contains("a: auto = 5: budget 448 MB", text);
    }
}
