using Pool.Master.Config;

namespace Pool.Master.Tests.Config;

/// <summary>
/// A schedule entry whose queue no group serves, or whose class the pool-worker groups serving
/// its queue do not load, passed `check`: every run then waited in its queue, or failed as
/// unknown at 3 am.
/// </summary>
public sealed class ScheduleTargetsTests
{
    private static readonly string[] Worker = ["/app/pool-worker"];

    private static string Entry(string queue, string? cls = null) =>
        $"schedule:\n  nightly:\n    cron: \"0 3 * * *\"\n{(cls is null ? "" : $"    class: {cls}\n")}    queue: {queue}\n";

    [Fact]
    public void A_queue_no_group_with_workers_serves_is_one_warning_naming_the_file_the_entry_and_the_fix()
    {
        var config = ConfigLoaderTests.Parse("default: 1\noff: 0\n" + Entry("mail"));
        Assert.Equal("pool.yml:6: key 'schedule.nightly.queue': its queue 'mail' is served by no group here (groups with workers: default), so its jobs would wait in the queue unless another pool serves it; " +
            "add 'mail' to a group's queue list, or fix the entry's queue:", Assert.Single(config.Warnings));

        Assert.Contains("(no group runs workers)", Assert.Single(ConfigLoaderTests.Parse("mail: 0\n" + Entry("mail")).Warnings));
    }

    [Theory]
    [InlineData("mail: 1\n")]
    [InlineData("\"low,mail\": 1\n")]
    [InlineData("\"*\": 1\n")]
    [InlineData("\"critical,mai[lk]\": 1\n")]
    [InlineData("\"m*l\": 1\n")]
    [InlineData("mail:\n  count: 0..3\n")]
    [InlineData("foo: 1\nproduction:\n  mail: 1\n", "production")]
    public void A_queue_served_by_name_star_or_pattern_or_autoscaling_is_no_warning(string groups, string? environment = null) =>
        Assert.Empty(ConfigLoaderTests.Parse(groups + Entry("mail"), environment).Warnings);

    [Fact]
    public void A_class_no_pool_worker_group_serving_its_queue_loads_is_an_error_with_the_near_miss()
    {
        var config = ConfigLoaderTests.Parse("mail: 1\n\"*\": 1\nlow: 1\n" + Entry("mail", "NightlyReprot"));
        var loaded = Loaded(Worker, "3 job class(es): Boom, Mailer::Welcome, NightlyReport");

        var error = Assert.Throws<ConfigException>(() => ScheduleTargets.ClassProblems(config, Worker, loaded));
        Assert.Equal("pool.yml:7: key 'schedule.nightly.class': class 'NightlyReprot' is not a job class of the pool-worker group(s) 'mail', '*' that serve its queue 'mail', so every run would fail as Pool::UnknownJob; " +
            "did you mean NightlyReport? fix class: (the job classes: Boom, Mailer::Welcome, NightlyReport), or publish the job class in POOL_JOBS", error.Message);

        // The class defaults to the entry's name, as in resque-scheduler; a Ruby-style short name finds its namespaced class.
        config = ConfigLoaderTests.Parse("mail: 1\n" + Entry("mail", "Welcome"));
        Assert.Contains("did you mean Mailer::Welcome?", Assert.Throws<ConfigException>(() => ScheduleTargets.ClassProblems(config, Worker, loaded)).Message);
        config = ConfigLoaderTests.Parse("mail: 1\n" + Entry("mail"));
        Assert.Contains("class 'nightly' is not a job class", Assert.Throws<ConfigException>(() => ScheduleTargets.ClassProblems(config, Worker, loaded)).Message);
    }

    [Fact]
    public void A_class_some_of_the_groups_serving_its_queue_lack_is_a_warning()
    {
        var ruby = "ruby:\n  count: 1\n  command: \"bundle exec rake resque:work\"\n";
        var config = ConfigLoaderTests.Parse("mail: 1\n\"mail,ruby\":\n  count: 1\n  command: \"bundle exec rake resque:work\"\n" + Entry("mail", "NightlyReprot"));
        var warning = Assert.Single(ScheduleTargets.ClassProblems(config, Worker, Loaded(Worker, "1 job class(es): NightlyReport")));
        Assert.StartsWith("pool.yml:8: key 'schedule.nightly.class': class 'NightlyReprot' is not a job class of the pool-worker group(s) 'mail', which also serve its queue 'mail' and would fail each run they take as Pool::UnknownJob; did you mean NightlyReport?", warning);

        // A pool-worker group of its own that has the class serves it too.
        string[] other = ["/app/pool-worker", "--jobs", "/app/Other.dll"];
        config = ConfigLoaderTests.Parse($"mail: 1\n\"low,mail\":\n  count: 1\n  command: \"{string.Join(' ', other)}\"\n" + Entry("mail", "Report"));
        var loaded = new Dictionary<string, string> { [string.Join('\0', Worker)] = "1 job class(es): Boom", [string.Join('\0', other)] = "1 job class(es): Report" };
        Assert.Contains("the pool-worker group(s) 'mail', which also serve", Assert.Single(ScheduleTargets.ClassProblems(config, Worker, loaded)));

        // Ruby workers alone are not asked, and are not judged.
        config = ConfigLoaderTests.Parse("foo: 1\n" + ruby + Entry("ruby", "Anything"));
        Assert.Empty(ScheduleTargets.ClassProblems(config, Worker, Loaded(Worker, "1 job class(es): Boom")));
    }

    [Theory]
    [InlineData("NightlyReport")]
    [InlineData("MyApp.Jobs.NightlyReport")]
    [InlineData("Some.Other.Name")]
    public void A_loaded_class_or_a_dotted_full_name_check_cannot_see_is_accepted(string cls)
    {
        var config = ConfigLoaderTests.Parse("\"*\": 1\n" + Entry("mail", cls));
        Assert.Empty(ScheduleTargets.ClassProblems(config, Worker, Loaded(Worker, "1 job class(es): NightlyReport")));
    }

    private static Dictionary<string, string> Loaded(string[] argv, string answer) => new() { [string.Join('\0', argv)] = answer };
}
