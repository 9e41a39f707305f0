using Pool.Master.Capacity;
using Pool.Master.Config;

namespace Pool.Master.Tests.Config;

/// <summary>
/// The checks that run after pool.yml is read (WorkerCommandCheck, CapacityPlan) name the line
/// and dotted key of what to fix, in every form a group takes, as the reader's own errors do.
/// They used to name the group's line (so line 1 for a first group) and drop the section.
/// </summary>
public sealed class WorkerCommandCheckTests
{
    /// <summary>The master's worker command in these tests: a program that is there and is not pool-worker.</summary>
    private static readonly string[] MasterCommand = ["/bin/sh"];

    private static ConfigException CommandFails(string yaml, string? environment = null, IReadOnlyList<string>? workerCommand = null, string? jobs = "/x/Jobs.dll") =>
        Assert.Throws<ConfigException>(() => WorkerCommandCheck.Require(
            ConfigLoaderTests.Parse(yaml, environment), workerCommand ?? MasterCommand,
            new Dictionary<string, string?> { ["PATH"] = "/usr/bin:/bin", ["POOL_JOBS"] = jobs }, "/"));

    [Theory]
    [InlineData("a:\n  count: 1\n  term_timeout: 5\n  command: /nope\n", null, 4, "a.command")]
    [InlineData("a:\n  command: /nope\n  count: 1\n", null, 2, "a.command")]
    [InlineData("a:\n  count: auto\n\n  command: /nope\n", null, 4, "a.command")]
    [InlineData("a:\n  count: 1..3\n  command: /nope\n", null, 3, "a.command")]
    [InlineData("a: {count: 1,\n    command: /nope}\n", null, 2, "a.command")]
    [InlineData("foo: 1\nproduction:\n  a:\n    count: 1\n    command: /nope\n", "production", 5, "production.a.command")]
    // A section's group is judged, not the top-level one it replaces.
    [InlineData("a:\n  count: 1\n  command: /bin/sh\nstaging:\n  a:\n    count: 2\n    command: /nope\n", "staging", 7, "staging.a.command")]
    public void A_command_that_cannot_run_is_named_at_the_line_of_its_command_key(string yaml, string? environment, int line, string key)
    {
        var e = CommandFails(yaml, environment);

        Assert.Equal(line, e.Line);
        Assert.Equal(key, e.Key);
        Assert.StartsWith($"pool.yml:{line}: key '{key}': program '/nope' is not an executable file", e.Message, StringComparison.Ordinal);
    }

    /// <summary>A response file hid --concurrency from the master, which then recovered and vouched for lane 0 only (two copies of a job after a stall).</summary>
    [Fact]
    public void A_pool_worker_command_reading_options_from_a_response_file_is_refused_at_its_command_line()
    {
        WithFakePoolWorker(worker =>
        {
            var e = CommandFails($"a:\n  count: 1\n  command: {worker} @/etc/pool.rsp\n");
            Assert.Equal(3, e.Line);
            Assert.Equal("a.command", e.Key);
            Assert.Contains("'@/etc/pool.rsp' has pool-worker read options from a file", e.Problem, StringComparison.Ordinal);
        });
    }

    /// <summary>Runs <paramref name="test"/> with the path of an executable named pool-worker (the checks judge a program by its name).</summary>
    private static void WithFakePoolWorker(Action<string> test)
    {
        var dir = Directory.CreateTempSubdirectory("pool-wcc").FullName;
        try
        {
            var worker = Path.Combine(dir, "pool-worker");
            File.WriteAllText(worker, "#!/bin/sh\n");
            File.SetUnixFileMode(worker, UnixFileMode.UserRead | UnixFileMode.UserExecute);
            test(worker);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_group_in_a_section_that_would_run_pool_worker_without_jobs_is_named_with_its_section()
    {
        // The jobs are judged only for a program that is there and is called pool-worker.
        WithFakePoolWorker(worker =>
        {
            var e = CommandFails("off: 0\nproduction:\n  foo: 1\n", "production", [worker], jobs: null);
            Assert.Equal(3, e.Line);
            Assert.Equal("production.foo", e.Key);
        });
    }

    /// <summary>The start asks pool-worker --check only of commands whose options the master cannot judge itself.</summary>
    [Theory]
    [InlineData("pool-worker", false)]
    [InlineData("pool-worker --procline resque-0:pool-worker", false)]
    [InlineData("pool-worker --jobs a.dll b.dll --procline=x", false)]
    [InlineData("pool-worker --jobs=a.dll", false)]
    [InlineData("pool-worker --jobs a.dll --concurrency 0", true)]
    [InlineData("pool-worker --redis=http://x", true)]
    [InlineData("pool-worker stray", true)]
    public void Options_of_its_own_are_those_besides_jobs_and_procline(string command, bool own) =>
        Assert.Equal(own, WorkerCommandCheck.HasOptionsOfItsOwn(ShellWords.Split(command)));

    [Theory]
    [InlineData("pool-worker --concurrency 2", null)]
    [InlineData("pool-worker --jobs a.dll b.dll --concurrency 2", "a.dll b.dll")]
    [InlineData("pool-worker --jobs=a.dll --jobs c.dll", "a.dll c.dll")]
    [InlineData("pool-worker --jobs", "")]
    public void Jobs_are_the_words_after_each_jobs_option(string command, string? jobs) =>
        Assert.Equal(jobs, WorkerCommandCheck.JobsOption(ShellWords.Split(command)) is { } paths ? string.Join(' ', paths) : null);

    [Fact]
    public void A_worker_the_budget_cannot_hold_is_named_at_its_memory_limit_line_with_its_section()
    {
        const long mb = 1024 * 1024;
        var config = ConfigLoaderTests.Parse("foo: 1\nproduction:\n  big:\n    count: 1\n    memory_limit_mb: 400\n", "production");

        var e = Assert.Throws<ConfigException>(() => CapacityPlan.Resolve(config, new MemoryLimit(400 * mb, "test")));

        Assert.Equal(5, e.Line);
        Assert.Equal("production.big.memory_limit_mb", e.Key);
        Assert.StartsWith("pool.yml:5: key 'production.big.memory_limit_mb': ", e.Message, StringComparison.Ordinal);
    }
}
