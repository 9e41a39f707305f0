using Mono.Unix.Native;
using Pool.Testing;
using Pool.Worker.Tests.Support;

namespace Pool.Worker.Tests.Running;

[Collection(RedisCollection.Name)]
public sealed class CommandLineTests(RedisFixture redis) : IDisposable
{
    private readonly Scratch _s = new();

    [Fact] // every wait below is bounded
    public void Without_queues_the_worker_exits_2_and_names_the_option_to_fix()
    {
        using var worker = TestProcess.Start(Artifacts.PoolWorker, ["--jobs", Artifacts.SamplesDll],
            new Dictionary<string, string?> { ["QUEUES"] = null, ["REDIS_URL"] = redis.Server.Url });
        Assert.Equal(2, worker.WaitForExit(TimeSpan.FromSeconds(15)));
        Assert.Contains("pass --queues a,b or set QUEUES", worker.Output);
    }

    /// <summary>A bad value of a variable the worker reads is one error line and exit 2, never a stack trace.</summary>
    [Theory] // every wait below is bounded
    [InlineData("REDIS_URL", "http://x", "is not a redis://")]
    [InlineData("POOL_POLL_INTERVAL", "abc", "POOL_POLL_INTERVAL must be a number of seconds")]
    [InlineData("POOL_LOG_LEVEL", "bogus", "POOL_LOG_LEVEL must be one of")]
    [InlineData("TERM_TIMEOUT", "abc", "TERM_TIMEOUT='abc' must be a number of seconds")]
    [InlineData("POOL_POLL_INTERVAL", "0.0001", "POOL_POLL_INTERVAL must be a number of seconds from 0.01")]
    // Read only once connected, these ended the worker with exit 1 and no line at all.
    [InlineData("POOL_RETRIES", "abc", "POOL_RETRIES='abc' must be a whole number")]
    [InlineData("POOL_RETRY_DELAYS", "10,soon", "POOL_RETRY_DELAYS has 'soon'")]
    public void A_bad_variable_exits_2_with_one_line_that_names_it(string variable, string value, string problem)
    {
        using var worker = TestProcess.Start(Artifacts.PoolWorker, ["--jobs", Artifacts.SamplesDll],
            new Dictionary<string, string?> { ["QUEUES"] = "q", ["REDIS_URL"] = redis.Server.Url, [variable] = value });
        Assert.Equal(2, worker.WaitForExit(TimeSpan.FromSeconds(15)));
        Assert.Contains(problem, worker.Output);
        Assert.DoesNotContain("Unhandled exception", worker.Output);
    }

    /// <summary>
    /// pool-master's check and HUP ask `pool-worker --check` whether the job classes load: a
    /// build that loads as a file but cannot run (here two classes named Send) is refused before
    /// any worker starts on it. It needs no Redis, no queues.
    /// </summary>
    [Fact] // every wait below is bounded
    public void Check_loads_the_job_classes_and_answers_without_redis()
    {
        var noRedis = new Dictionary<string, string?> { ["QUEUES"] = null, ["REDIS_URL"] = "redis://127.0.0.1:1", ["POOL_JOBS"] = null };
        using (var good = TestProcess.Start(Artifacts.PoolWorker, ["--check", "--jobs", Artifacts.SamplesDll], noRedis))
        {
            Assert.Equal(0, good.WaitForExit(TimeSpan.FromSeconds(15)));
            Assert.Matches(@"^pool-worker --check: \d+ job class\(es\): .*\bNoop\b", good.Output.Trim());
        }
        using (var broken = TestProcess.Start(Artifacts.PoolWorker, ["--check", "--jobs", Artifacts.BrokenJobsDll], noRedis))
        {
            Assert.Equal(2, broken.WaitForExit(TimeSpan.FromSeconds(15)));
            var line = Assert.Single(broken.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains($"cannot load jobs: {Artifacts.BrokenJobsDll}: two job classes answer to 'Send': ", line);
            Assert.Contains("Pool.BrokenJobs.Billing.Send", line);
            Assert.Contains("Pool.BrokenJobs.Mail.Send", line);
        }
        using var none = TestProcess.Start(Artifacts.PoolWorker, ["--check"], noRedis);
        Assert.Equal(2, none.WaitForExit(TimeSpan.FromSeconds(15)));
        Assert.Contains("finds no job classes: no job assembly given (--jobs or POOL_JOBS)", none.Output);
    }

    /// <summary>
    /// --check judged only the job classes, so pool-master's check passed a group's `command:
    /// "pool-worker --concurrency 0"` whose every worker then exited at start. It judges the
    /// options and variables a worker starts with too (not the queues: the master gives those),
    /// and exits 1 for them, 2 being the job classes'.
    /// </summary>
    [Theory] // every wait below is bounded
    [InlineData("--concurrency 0", "pool-worker --check: --concurrency / POOL_CONCURRENCY must be a whole number of jobs from 1 to")]
    [InlineData("--redis http://x", "pool-worker --check: --redis 'http://x' is not a redis://")]
    [InlineData("--term-timeout 99999999999999", "pool-worker --check: --term-timeout / TERM_TIMEOUT is too large: at most 86400 seconds (1 day)")]
    [InlineData("--log-format xml", "pool-worker --check: --log-format / POOL_LOG_FORMAT must be text or json, not 'xml'")]
    [InlineData("--concurency 2", "pool-worker --check: cannot read the command line: Unrecognized command or argument '--concurency' (did you mean --concurrency?); see --help for the options")]
    public void Check_refuses_options_no_worker_starts_with_in_one_line_and_exits_1(string options, string problem)
    {
        var noRedis = new Dictionary<string, string?> { ["QUEUES"] = null, ["REDIS_URL"] = "redis://127.0.0.1:1", ["POOL_JOBS"] = null };
        using var check = TestProcess.Start(Artifacts.PoolWorker, [.. options.Split(' '), "--check", "--jobs", Artifacts.SamplesDll], noRedis);
        Assert.Equal(1, check.WaitForExit(TimeSpan.FromSeconds(15)));
        Assert.Contains("stderr: " + problem, Assert.Single(check.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
    }

    /// <summary>The same refusal from a worker started on the broken build: one line, exit 2, no stack trace.</summary>
    [Fact] // every wait below is bounded
    public void A_worker_started_on_jobs_that_cannot_run_exits_2_with_one_line_that_names_the_file()
    {
        using var worker = TestProcess.Start(Artifacts.PoolWorker, ["--jobs", Artifacts.BrokenJobsDll],
            new Dictionary<string, string?> { ["QUEUES"] = "q", ["REDIS_URL"] = redis.Server.Url });
        Assert.Equal(2, worker.WaitForExit(TimeSpan.FromSeconds(15)));
        Assert.Contains($"Cannot load jobs: {Artifacts.BrokenJobsDll}: two job classes answer to 'Send'", worker.Output);
        Assert.DoesNotContain("Unhandled exception", worker.Output);
    }

    [Fact] // every wait below is bounded
    public void A_database_the_server_does_not_have_exits_2_with_one_line()
    {
        using var worker = TestProcess.Start(Artifacts.PoolWorker, ["--jobs", Artifacts.SamplesDll],
            new Dictionary<string, string?> { ["QUEUES"] = "q", ["REDIS_URL"] = redis.Server.Url + "/999" });
        Assert.Equal(2, worker.WaitForExit(TimeSpan.FromSeconds(15)));
        Assert.Contains("Cannot use Redis: The database does not exist on the server: 999; fix REDIS_URL", worker.Output);
        Assert.DoesNotContain("Unhandled exception", worker.Output);
    }

    [Fact] // every wait below is bounded
    public void Json_log_format_writes_one_json_object_per_line()
    {
        using var worker = TestProcess.Start(Artifacts.PoolWorker, ["--jobs", Artifacts.SamplesDll, "--queues", "q", "--log-format", "json"],
            new Dictionary<string, string?> { ["REDIS_URL"] = redis.Server.Url, ["POOL_NAMESPACE"] = _s.Namespace });
        var line = worker.WaitForLine("Worker ready", TimeSpan.FromSeconds(15));
        Assert.StartsWith("{\"@t\":", line);
        Assert.Contains($"\"ProcessId\":{worker.Pid}", line);
        worker.Signal(Signum.SIGTERM);
        Assert.Equal(0, worker.WaitForExit(TimeSpan.FromSeconds(10)));
    }

    /// <summary>What a job prints used to reach stdout raw, between the log lines, and broke JSON logs.</summary>
    [Fact] // every wait below is bounded
    public async Task What_a_job_prints_is_logged_one_event_per_line()
    {
        await new Pool.Protocol.Producing.Producer(redis.Server.Connection, _s.Namespace).EnqueueAsync("q", "Echo", "first\r\nsecond");
        using var worker = TestProcess.Start(Artifacts.PoolWorker, ["--jobs", Artifacts.SamplesDll, "--queues", "q", "--log-format", "json"],
            new Dictionary<string, string?> { ["REDIS_URL"] = redis.Server.Url, ["POOL_NAMESPACE"] = _s.Namespace });
        worker.WaitForLine("Job done", TimeSpan.FromSeconds(15));
        worker.Signal(Signum.SIGTERM);
        Assert.Equal(0, worker.WaitForExit(TimeSpan.FromSeconds(10)));

        var lines = worker.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(lines, line => Assert.StartsWith("{\"@t\":", line));
        Assert.Single(lines, l => l.Contains("\"Console: first\"", StringComparison.Ordinal));
        Assert.Single(lines, l => l.Contains("\"Console: second\"", StringComparison.Ordinal));
    }

    [Fact] // every wait below is bounded
    public void Every_text_line_names_the_worker_and_its_pid()
    {
        using var worker = TestProcess.Start(Artifacts.PoolWorker, ["--jobs", Artifacts.SamplesDll, "--queues", "q"],
            new Dictionary<string, string?> { ["REDIS_URL"] = redis.Server.Url, ["POOL_NAMESPACE"] = _s.Namespace, ["POOL_LOG_FORMAT"] = null });
        worker.WaitForLine("Worker ready", TimeSpan.FromSeconds(15));
        worker.Signal(Signum.SIGTERM);
        Assert.Equal(0, worker.WaitForExit(TimeSpan.FromSeconds(10)));
        Assert.All(worker.Lines.Where(l => l.Length > 0), l => Assert.Contains($" [worker {worker.Pid}] ", l));
    }

    [Fact] // every wait below is bounded
    public void The_redis_password_never_reaches_the_log()
    {
        var url = $"redis://user:s3cr3t-pw@127.0.0.1:{redis.Server.Port}";
        using var worker = TestProcess.Start(Artifacts.PoolWorker, ["--jobs", Artifacts.SamplesDll, "--queues", "q", "--redis", url],
            new Dictionary<string, string?> { ["POOL_NAMESPACE"] = _s.Namespace });
        worker.WaitForLine("redis=redis://user:***@127.0.0.1", TimeSpan.FromSeconds(15));
        worker.Signal(Signum.SIGTERM);
        worker.WaitForExit(TimeSpan.FromSeconds(15));
        Assert.DoesNotContain("s3cr3t-pw", worker.Output);
    }

    public void Dispose() => _s.Dispose();
}
