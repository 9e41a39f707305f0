using Pool.Testing;

namespace Pool.Master.Tests.Cli;

/// <summary>`pool-master check` as a user runs it: the real executable, a real file.</summary>
public sealed class CheckCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pool-check").FullName;

    private (int Code, string Output) Check(string yaml, params string[] extra) => CheckWith(yaml, Artifacts.SamplesDll, extra);

    /// <param name="jobs">POOL_JOBS as the user set it (null: unset).</param>
    private (int Code, string Output) CheckWith(string yaml, string? jobs, params string[] extra) =>
        Run("check", yaml, new Dictionary<string, string?> { ["POOL_JOBS"] = jobs }, extra);

    private (int Code, string Output) Run(string command, string yaml, IDictionary<string, string?> env, params string[] extra)
    {
        var path = Path.Combine(_dir, "pool.yml");
        File.WriteAllText(path, yaml);
        var all = new Dictionary<string, string?> { ["POOL_JOBS"] = Artifacts.SamplesDll, ["POOL_WORKER_COMMAND"] = null, ["REDIS_URL"] = "redis://127.0.0.1:1" };
        foreach (var (name, value) in env) all[name] = value;
        using var process = TestProcess.Start(Artifacts.PoolMaster, [command, "-c", path, .. extra], all, _dir);
        var code = process.WaitForExit(TimeSpan.FromSeconds(30));
        return (code, process.Output);
    }

    [Fact]
    public void Check_prints_the_resolved_pool_and_exits_0()
    {
        var (code, output) = Check("foo: 1\n\"bar,baz\": 2\nproduction:\n  foo: 4\n", "-E", "production");

        Assert.Equal(0, code);
        Assert.Contains("environment: production", output);
        Assert.Contains("foo: 4", output);
        Assert.Contains("bar,baz: 2", output);
        Assert.Contains("workers: 6", output);
    }

    [Fact]
    public void Check_reports_one_line_with_file_line_and_key_and_exits_1()
    {
        var (code, output) = Check("foo: 1\nbar: -2\n");

        Assert.Equal(1, code);
        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("pool.yml:2: key 'bar'", line);
    }

    /// <summary>
    /// A trial: `mail: 20` under `memory_budget: 512MB` passed check as "workers: 20" without a
    /// word, and run started 7 and kept 13 slots waiting for memory for as long as it ran.
    /// </summary>
    [Fact(Timeout = 60_000)]
    public void Check_warns_when_the_budget_cannot_hold_the_fixed_counts_and_exits_0()
    {
        var (code, output) = Check("memory_budget: 240MB\nmail: 5\n");

        Assert.Equal(0, code);
        Assert.Contains("pool-master check: warning: pool.yml:2: key 'mail': 5 worker(s) at 64 MB per worker", output, StringComparison.Ordinal);
        Assert.Contains("so 2 of them never start and wait at the budget gate", output, StringComparison.Ordinal);
    }

    /// <summary>
    /// check passed POOL_SCHEDULER_LEASE=0 and POOL_SCHEDULER_POLL=abc; run then logged
    /// "scheduler not started" and ran without the scheduler, so no delayed job, retry or
    /// schedule entry moved.
    /// </summary>
    [Theory]
    [InlineData("POOL_SCHEDULER_LEASE", "0", "POOL_SCHEDULER_LEASE='0' must be a number of seconds from 2 to 86400")]
    [InlineData("POOL_SCHEDULER_POLL", "abc", "POOL_SCHEDULER_POLL='abc'")]
    [InlineData("POOL_SCHEDULER", "maybe", "POOL_SCHEDULER='maybe' must be on or off")]
    [InlineData("POOL_SCHEDULER_BATCH", "0", "POOL_SCHEDULER_BATCH='0' must be a whole number of jobs from 1 to 10000")]
    public void Check_refuses_a_scheduler_variable_run_would_refuse(string name, string value, string error)
    {
        var (code, output) = Run("check", "foo: 1\n", new Dictionary<string, string?> { [name] = value });

        Assert.Equal(1, code);
        Assert.Contains("pool-master check: " + error, Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact]
    public void Check_warns_about_a_section_key_that_looks_like_count_and_still_exits_0()
    {
        var (code, output) = Check("default: 1\ncrunch:\n  cont: 3\n");

        Assert.Equal(0, code);
        Assert.Contains("pool-master check: warning: pool.yml:3: key 'crunch.cont': looks like the group option count", output);
    }

    /// <summary>
    /// pool-worker finds its job classes only in POOL_JOBS or --jobs. Without them every queued
    /// job went to the failed list as unknown; a missing file made every worker exit at start.
    /// </summary>
    [Fact]
    public void Check_refuses_pool_workers_that_would_load_no_job_classes()
    {
        var (code, output) = CheckWith("off: 0\nfoo: 1\n", jobs: null);
        Assert.Equal(1, code);
        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("pool.yml:2: key 'foo'", line);
        Assert.Contains("set POOL_JOBS=", line);

        (code, output) = CheckWith("foo: 1\n", jobs: "/nonexistent/Jobs.dll");
        Assert.Equal(1, code);
        Assert.Contains("POOL_JOBS names '/nonexistent/Jobs.dll', which does not exist", Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries)));

        (code, output) = CheckWith("foo: 1\n", jobs: "/etc/passwd");
        Assert.Equal(1, code);
        Assert.Contains("POOL_JOBS names '/etc/passwd', which is not a .NET assembly", output);
        (code, output) = CheckWith("foo: 1\n", jobs: "/tmp");
        Assert.Equal(1, code);
        Assert.Contains("POOL_JOBS names '/tmp', which is a directory", output);
        (code, output) = CheckWith($"a:\n  count: 1\n  command: \"{Artifacts.PoolWorker} --jobs /nonexistent.dll\"\n", jobs: Artifacts.SamplesDll);
        Assert.Equal(1, code);
        Assert.Contains("key 'a.command': --jobs names '/nonexistent.dll', which does not exist", output);

        // What needs no POOL_JOBS: groups of no workers, a command of the group's own, --jobs in the worker command.
        Assert.Equal(0, CheckWith("off: 0\nruby:\n  count: 1\n  command: \"sh -c true\"\n", jobs: null).Code);
        Assert.Equal(0, CheckWith("foo: 1\n", null, "-w", $"{Artifacts.PoolWorker} --jobs {Artifacts.SamplesDll}").Code);
    }

    /// <summary>
    /// An assembly that loads as a file but whose job classes cannot run (here two named Send)
    /// passed the file checks above, and every worker then exited at start: check has
    /// pool-worker load the classes (pool-worker --check) and prints what it found.
    /// </summary>
    [Fact]
    public void Check_has_pool_worker_load_the_job_classes_and_refuses_ones_it_cannot_run()
    {
        var (code, output) = CheckWith("foo: 1\n", jobs: Artifacts.BrokenJobsDll);
        Assert.Equal(1, code);
        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"pool-master check: POOL_JOBS: pool-worker cannot load jobs: {Artifacts.BrokenJobsDll}: two job classes answer to 'Send': ", line);
        Assert.Contains("Pool.BrokenJobs.Billing.Send", line);
        Assert.EndsWith("give one of them another name with [Job(\"...\")]", line);

        (code, output) = CheckWith($"a:\n  count: 1\n  command: \"{Artifacts.PoolWorker} --jobs {Artifacts.BrokenJobsDll}\"\n", jobs: Artifacts.SamplesDll);
        Assert.Equal(1, code);
        Assert.Contains("pool.yml:3: key 'a.command': pool-worker cannot load jobs: ", output);

        (code, output) = Check("foo: 1\n");
        Assert.Equal(0, code);
        Assert.Matches(@"\njobs: \d+ job class\(es\): .*\bNoop\b", output);
    }

    /// <summary>A hostile trial: the same `jobs:` line was printed again for each group with a pool-worker command of its own.</summary>
    [Fact]
    public void Check_prints_the_job_classes_once_when_every_command_loads_the_same_ones()
    {
        var own = $"{Artifacts.PoolWorker} --jobs {Artifacts.SamplesDll}";
        var (code, output) = Check($"foo: 1\na:\n  count: 1\n  command: \"{own} --concurrency 2\"\nb:\n  count: 1\n  command: \"{own} --concurrency 3\"\n");
        Assert.Equal(0, code);
        Assert.Matches(@"^jobs: \d+ job class\(es\): .*\bNoop\b", Assert.Single(output.Split('\n'), l => l.StartsWith("jobs", StringComparison.Ordinal)));
    }

    /// <summary>
    /// A group's own pool-worker command with options no worker starts with passed check (which
    /// only had pool-worker load the job classes) and run, and every worker then exited at start,
    /// crash-looping. check and run ask pool-worker --check with the command's own options.
    /// </summary>
    [Theory]
    [InlineData("--concurrency 0", "pool-worker --concurrency / POOL_CONCURRENCY must be a whole number of jobs from 1 to")]
    [InlineData("--redis http://x", "pool-worker --redis 'http://x' is not a redis://")]
    [InlineData("--term-timeout 99999999999999", "pool-worker --term-timeout / TERM_TIMEOUT is too large: at most 86400 seconds (1 day)")]
    [InlineData("--log-format xml", "pool-worker --log-format / POOL_LOG_FORMAT must be text or json, not 'xml'")]
    [InlineData("--concurency 2", "pool-worker cannot read the command line: Unrecognized command or argument '--concurency' (did you mean --concurrency?); see --help for the options")]
    public void Check_and_run_refuse_a_pool_worker_command_whose_own_options_no_worker_starts_with(string options, string problem)
    {
        var yaml = $"foo: 0\nproduction:\n  a:\n    count: 1\n    command: \"{Artifacts.PoolWorker} {options} --jobs {Artifacts.SamplesDll}\"\n";
        foreach (var command in new[] { "check", "run" })
        {
            var (code, output) = Run(command, yaml, new Dictionary<string, string?>(), "-E", "production");
            Assert.Equal(1, code);
            var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains("pool.yml:5: key 'production.a.command': ", line);
            Assert.Contains(problem, line);
        }

        // The master's own worker command is asked the same way, and named as such.
        var (_, master) = Check("foo: 1\n", "-w", $"{Artifacts.PoolWorker} {options}");
        Assert.Contains($"pool-master check: the worker command (--worker-command or POOL_WORKER_COMMAND): {problem}", master);
    }

    /// <summary>
    /// A new user's trial: README's `command: "pool-worker --concurrency 0"` was refused as "not on
    /// PATH" from artifacts/bin, where the default worker command finds pool-worker beside the
    /// master. A bare pool-worker is found there too, so the refusal is the one the README shows.
    /// </summary>
    [Fact]
    public void A_bare_pool_worker_in_a_groups_command_is_the_one_beside_the_master_when_none_is_on_PATH()
    {
        var env = new Dictionary<string, string?> { ["PATH"] = "/usr/bin:/bin" };
        var (bad, refusal) = Run("check", "a:\n  count: 1\n  command: \"pool-worker --concurrency 0\"\n", env);
        Assert.Equal(1, bad);
        Assert.Contains("pool-worker --concurrency / POOL_CONCURRENCY must be a whole number of jobs from 1 to", refusal);

        var (good, output) = Run("check", "a:\n  count: 1\n  command: \"pool-worker --concurrency 2\"\n", env);
        Assert.True(good == 0, output);
    }

    /// <summary>
    /// A hostile trial: a group's --redis with ?password= came back unredacted in pool-worker's
    /// refusal, and a URL whose password stands alone (redis://password@host) was printed whole.
    /// </summary>
    [Fact]
    public void Check_prints_a_group_commands_redis_url_and_its_refusal_without_the_secret()
    {
        var (code, output) = Check($"foo: 0\na:\n  count: 1\n  command: \"{Artifacts.PoolWorker} --redis redis://127.0.0.1:1/0?password=topsecret --jobs {Artifacts.SamplesDll}\"\n");
        Assert.Equal(1, code);
        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("pool.yml:4: key 'a.command': pool-worker --redis 'redis://127.0.0.1:1/0?password=***' has the parameter 'password'", line);
        Assert.DoesNotContain("topsecret", output);

        (code, output) = Check($"foo: 0\na:\n  count: 1\n  command: \"{Artifacts.PoolWorker} --redis redis://topsecret@127.0.0.1:1 --jobs {Artifacts.SamplesDll}\"\n");
        Assert.Equal(0, code);
        Assert.Contains("--redis redis://***@127.0.0.1:1 --jobs", output);
        Assert.DoesNotContain("topsecret", output);
    }

    [Fact]
    public void A_command_that_is_not_pool_worker_is_never_run_with_check()
    {
        // `false --check` would exit 1: it is not asked, as a Ruby worker is not.
        Assert.Equal(0, Check("foo: 0\nruby:\n  count: 1\n  command: \"false --concurrency 0\"\n").Code);
    }

    [Fact]
    public void Check_refuses_a_worker_program_that_is_not_there()
    {
        var (code, output) = Check("foo: 1\na:\n  count: 1\n  command: \"/nonexistent/bin x\"\n");
        Assert.Equal(1, code);
        Assert.Contains("pool.yml:4: key 'a.command': program '/nonexistent/bin' is not an executable file", Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries)));

        (code, output) = Check("foo: 1\n", "-w", "no-such-worker-program --x");
        Assert.Equal(1, code);
        Assert.Contains("the worker command (--worker-command or POOL_WORKER_COMMAND): program 'no-such-worker-program'", Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries)));

        // On PATH, as execvp finds it.
        Assert.Equal(0, Check("a:\n  count: 1\n  command: \"sleep 60\"\n").Code);
    }

    /// <summary>
    /// What the master or its workers read from the environment is judged by `check` as `run`
    /// judges it: `check` used to pass TERM_TIMEOUT=abc that `run` refused, and values only the
    /// workers read (POOL_CONCURRENCY=0) passed both, then crash-looped every worker.
    /// </summary>
    [Theory]
    [InlineData("TERM_TIMEOUT", "abc")]
    [InlineData("POOL_KILL_GRACE", "x")]
    [InlineData("POOL_BACKOFF_MIN", "abc")]
    [InlineData("POOL_LOG_FORMAT", "xml")]
    [InlineData("POOL_CONCURRENCY", "0")]
    [InlineData("POOL_MAX_JOBS", "-1")]
    [InlineData("POOL_JOB_TIMEOUT", "abc")]
    [InlineData("POOL_POLL_INTERVAL", "0")]
    [InlineData("POOL_MAX_ATTEMPTS", "abc")]
    [InlineData("POOL_LOG_LEVEL", "bogus")]
    // Both passed check and run; every worker then exited 1 at start, without a line.
    [InlineData("POOL_RETRIES", "abc")]
    [InlineData("POOL_RETRY_DELAYS", "10,soon")]
    public void Check_and_run_refuse_a_bad_variable_alike_in_one_line_that_names_it(string variable, string value)
    {
        var env = new Dictionary<string, string?> { [variable] = value };
        var (code, output) = Run("check", "foo: 1\n", env);
        Assert.Equal(1, code);
        Assert.Contains(variable, Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries)));

        (code, output) = Run("run", "foo: 1\n", env);
        Assert.Equal(1, code);
        Assert.Contains(variable, Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Theory]
    [InlineData("token", null, "POOL_WEB_AUTH=token needs the token in POOL_WEB_TOKEN")]
    [InlineData("tokn", null, "POOL_WEB_AUTH 'tokn' is not none, token or basic")]
    [InlineData("basic", "nopassword", "POOL_WEB_CREDENTIALS must be user:password")]
    public void Check_and_run_with_http_refuse_web_auth_that_cannot_work_instead_of_serving_status_open(string auth, string? credentials, string error)
    {
        // Left off with a warning, it served /status (job arguments) and /metrics without auth on 0.0.0.0.
        var env = new Dictionary<string, string?> { ["POOL_WEB_AUTH"] = auth, ["POOL_WEB_CREDENTIALS"] = credentials, ["POOL_WEB_TOKEN"] = null };
        var http = "0.0.0.0:" + RedisServer.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var command in new[] { "check", "run" })
        {
            var (code, output) = Run(command, "foo: 0\n", env, "--http", http);
            Assert.Equal(1, code);
            Assert.Contains(error, Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// RAILS_ENV=production with the only section spelt `producton:` ran a pool of no workers:
    /// `check` passed it with a warning (exit 0) and `run` supervised 0 workers.
    /// </summary>
    [Fact]
    public void Check_and_run_refuse_an_environment_that_selects_no_section_when_only_sections_have_groups()
    {
        var env = new Dictionary<string, string?> { ["POOL_ENV"] = null, ["DOTNET_ENVIRONMENT"] = null, ["RAILS_ENV"] = "production" };
        foreach (var command in new[] { "check", "run" })
        {
            var (code, output) = Run(command, "producton:\n  mail: 3\n", env);
            Assert.Equal(1, code);
            var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains("pool.yml: the environment 'production' (RAILS_ENV=production) selects no section (sections: producton)", line);
            Assert.EndsWith("rename the section 'producton:' to 'production:' (or, if 'production' is the typo, fix RAILS_ENV)", line);
        }
        // A top-level group still runs under an environment no section is named for, with the warning as before.
        var (flat, said) = Run("check", "mail: 0\nproducton:\n  mail: 3\n", env);
        Assert.Equal(0, flat);
        Assert.Contains("pool-master check: warning: pool.yml: no section is named for the environment 'production'", said);
    }

    /// <summary>
    /// check printed the job classes it had loaded and still accepted a schedule entry whose
    /// class was none of them (every run failed as unknown at 3 am), or whose queue no group served.
    /// </summary>
    [Fact]
    public void Check_matches_a_schedule_entrys_class_and_queue_against_the_groups_that_serve_it()
    {
        const string Entry = "schedule:\n  nightly:\n    cron: \"0 3 * * *\"\n    class: {0}\n    queue: {1}\n";
        var (code, output) = Check("mail: 1\n" + string.Format(System.Globalization.CultureInfo.InvariantCulture, Entry, "Eccho", "mail"));
        Assert.Equal(1, code);
        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("pool-master check: pool.yml:5: key 'schedule.nightly.class': class 'Eccho' is not a job class of the pool-worker group(s) 'mail' that serve its queue 'mail', so every run would fail as Pool::UnknownJob; did you mean Echo?", line);

        (code, output) = Check("mail: 1\n" + string.Format(System.Globalization.CultureInfo.InvariantCulture, Entry, "Echo", "mial"));
        Assert.Equal(0, code);
        Assert.Contains("pool-master check: warning: pool.yml:6: key 'schedule.nightly.queue': its queue 'mial' is served by no group here (groups with workers: mail)", output);

        (code, output) = Check("\"*\": 1\n" + string.Format(System.Globalization.CultureInfo.InvariantCulture, Entry, "Echo", "mial"));
        Assert.Equal(0, code);
        Assert.DoesNotContain("warning", output);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
