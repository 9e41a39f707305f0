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
    public void A_bad_variable_exits_2_with_one_line_that_names_it(string variable, string value, string problem)
    {
        using var worker = TestProcess.Start(Artifacts.PoolWorker, ["--jobs", Artifacts.SamplesDll],
            new Dictionary<string, string?> { ["QUEUES"] = "q", ["REDIS_URL"] = redis.Server.Url, [variable] = value });
        Assert.Equal(2, worker.WaitForExit(TimeSpan.FromSeconds(15)));
        Assert.Contains(problem, worker.Output);
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
