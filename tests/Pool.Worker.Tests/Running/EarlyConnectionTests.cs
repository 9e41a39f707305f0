using Pool.Testing;
using Pool.Worker.Hosting;
using Pool.Worker.Tests.Support;

namespace Pool.Worker.Tests.Running;

/// <summary>The main connection begun at process start, before the command line is parsed.</summary>
[Collection(RedisCollection.Name)]
public sealed class EarlyConnectionTests(RedisFixture redis)
{
    private static string? NoEnv(string name) => null;

    [Theory]
    [InlineData(new[] { "--queues", "a" }, "redis://127.0.0.1:6379")]
    [InlineData(new[] { "--redis", "redis://h:1" }, "redis://h:1")]
    [InlineData(new[] { "--redis=redis://h:2", "--queues", "a" }, "redis://h:2")]
    [InlineData(new[] { "--redis:redis://h:3" }, "redis://h:3")]
    [InlineData(new[] { "--redis", "redis://h:1", "--redis", "redis://h:4" }, "redis://h:4")]
    public void The_url_is_guessed_as_the_command_line_resolves_it(string[] args, string url) =>
        Assert.Equal(url, EarlyConnection.GuessUrl(args, NoEnv));

    [Fact]
    public void Redis_url_from_the_environment_comes_after_the_option()
    {
        string? Env(string name) => name == "REDIS_URL" ? "redis://env:5" : null;
        Assert.Equal("redis://env:5", EarlyConnection.GuessUrl(["--queues", "a"], Env));
        Assert.Equal("redis://h:1", EarlyConnection.GuessUrl(["--redis", "redis://h:1"], Env));
    }

    [Theory]
    [InlineData("--check")]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("--version")]
    [InlineData("@more-arguments.rsp")]
    public void Nothing_is_begun_when_no_worker_runs_or_the_arguments_are_not_plain(string arg) =>
        Assert.Null(EarlyConnection.GuessUrl(["--queues", "a", arg], NoEnv));

    /// <summary>
    /// REDIS_URL names a port nothing listens on and --redis the real server: the worker must
    /// connect where the option says, from its very first connection.
    /// </summary>
    [Fact] // every wait below is bounded
    public void The_option_wins_over_the_environment_for_the_early_connection()
    {
        using var worker = TestProcess.Start(Artifacts.PoolWorker, ["--jobs", Artifacts.SamplesDll, "--queues", "early", "--redis", redis.Server.Url],
            new Dictionary<string, string?> { ["QUEUES"] = null, ["REDIS_URL"] = "redis://127.0.0.1:1" });
        var db = redis.Server.Db;
        Wait.Until(() => db.SetMembers("resque:workers").Any(id => id.ToString().EndsWith(":early", StringComparison.Ordinal)), TimeSpan.FromSeconds(15), "the worker registered on --redis's server");
        worker.Signal(Mono.Unix.Native.Signum.SIGTERM);
        Assert.Equal(0, worker.WaitForExit(TimeSpan.FromSeconds(15)));
        Assert.DoesNotContain("127.0.0.1:1", worker.Output);
    }

    /// <summary>
    /// A setting the worker refuses while Redis is unreachable: the early connection is still
    /// being tried, and the exit must not wait out the client's 5 s connect timeout for it
    /// (it did, at first: 5.1 s).
    /// </summary>
    [Fact] // every wait below is bounded
    public void A_refused_setting_exits_at_once_though_the_early_connection_is_still_trying()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var worker = TestProcess.Start(Artifacts.PoolWorker, ["--jobs", Artifacts.SamplesDll],
            new Dictionary<string, string?> { ["QUEUES"] = null, ["REDIS_URL"] = "redis://127.0.0.1:1" });
        Assert.Equal(2, worker.WaitForExit(TimeSpan.FromSeconds(15)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3.5), $"exited after {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.Contains("pass --queues a,b or set QUEUES", worker.Output);
    }

    /// <summary>
    /// The early connection reads the URL on its own thread (EarlyConnection.Start): a URL the
    /// client cannot read fails only that attempt, and the worker says what its settings say.
    /// </summary>
    [Fact] // every wait below is bounded
    public void A_malformed_REDIS_URL_is_refused_by_the_settings_with_one_line_and_no_crash()
    {
        using var worker = TestProcess.Start(Artifacts.PoolWorker, ["--jobs", Artifacts.SamplesDll, "--queues", "a"],
            new Dictionary<string, string?> { ["QUEUES"] = null, ["REDIS_URL"] = "redis://host:notaport" });
        Assert.Equal(2, worker.WaitForExit(TimeSpan.FromSeconds(15)));
        Assert.Contains("REDIS_URL", worker.Output);
        Assert.DoesNotContain("Unhandled", worker.Output);
        Assert.DoesNotContain("   at ", worker.Output);
    }

    /// <summary>
    /// Found by a hostile trial: port 0 was accepted and retried forever, an unknown keyword gave
    /// the client's bare "Keyword 'foo' is not supported.", and every message said REDIS_URL even
    /// for --redis. Each is now one line that names where the URL came from.
    /// </summary>
    [Theory] // every wait below is bounded
    [InlineData("--redis", "redis://127.0.0.1:0", "--redis 'redis://127.0.0.1:0' has port 0, outside 1 to 65535")]
    [InlineData("REDIS_URL", "redis://:pw@127.0.0.1:0", "REDIS_URL 'redis://:***@127.0.0.1:0' has port 0, outside 1 to 65535")]
    [InlineData("REDIS_URL", "127.0.0.1:6379,password=pw,foo=1", "REDIS_URL '127.0.0.1:6379,password=***,foo=1': Keyword 'foo' is not supported")]
    [InlineData("--redis", "   ", "--redis is blank")]
    [InlineData("--redis", "redis://127.0.0.1:", "--redis 'redis://127.0.0.1:' has an empty port")]
    [InlineData("REDIS_URL", "127.0.0.1:,password=pw", "REDIS_URL '127.0.0.1:,password=***' has an empty port")]
    [InlineData("REDIS_URL", "redis://127.0.0.1:6379/0?password=pw", "REDIS_URL 'redis://127.0.0.1:6379/0?password=***' has the parameter 'password'")]
    public void A_bad_redis_url_is_one_line_naming_the_option_or_variable(string source, string url, string expected)
    {
        var fromFlag = source == "--redis";
        using var worker = TestProcess.Start(Artifacts.PoolWorker, ["--jobs", Artifacts.SamplesDll, "--queues", "a", .. fromFlag ? new[] { "--redis", url } : []],
            new Dictionary<string, string?> { ["QUEUES"] = null, ["REDIS_URL"] = fromFlag ? "redis://127.0.0.1:1" : url });
        Assert.Equal(2, worker.WaitForExit(TimeSpan.FromSeconds(15)));
        Assert.Contains(expected, Assert.Single(worker.Lines, l => l.Trim().Length > 0), StringComparison.Ordinal);
        Assert.DoesNotContain("=pw", worker.Output, StringComparison.Ordinal);
    }

    /// <summary>A blank REDIS_URL is unset, as pool-master takes it: the worker goes on to its other settings.</summary>
    [Fact] // every wait below is bounded
    public void A_blank_REDIS_URL_is_unset()
    {
        using var worker = TestProcess.Start(Artifacts.PoolWorker, ["--jobs", Artifacts.SamplesDll],
            new Dictionary<string, string?> { ["QUEUES"] = null, ["REDIS_URL"] = "   " });
        Assert.Equal(2, worker.WaitForExit(TimeSpan.FromSeconds(15)));
        Assert.Contains("pass --queues a,b or set QUEUES", worker.Output);
        Assert.DoesNotContain("REDIS_URL", worker.Output);
    }

    /// <summary>
    /// The client went on as the default user when Redis refused the URL's user (the default
    /// user needing no password): the worker ran jobs with that user's rights, or, as the helper
    /// saw, flapped between unreachable and reachable and ran none. Now one line and exit 2, and a
    /// user without SELECT names the database instead of using database 0.
    /// </summary>
    [Theory] // every wait below is bounded
    [InlineData("app:wrong", "", "authentication failed: Redis refused the password (or user) in REDIS_URL; fix it there (Redis took the connection as user 'default')")]
    [InlineData("nosel:pw", "/1", "Redis refused SELECT 1, the database in REDIS_URL (NOPERM")]
    public void A_user_redis_refuses_or_a_database_it_may_not_select_ends_the_worker_with_one_line(string credentials, string database, string expected)
    {
        using var server = RedisServer.Start();
        server.Db.Execute("ACL", "SETUSER", "app", "on", ">right", "~*", "&*", "+@all");
        server.Db.Execute("ACL", "SETUSER", "nosel", "on", ">pw", "~*", "&*", "+@all", "-select");
        using var worker = TestProcess.Start(Artifacts.PoolWorker, ["--jobs", Artifacts.SamplesDll, "--queues", "a"],
            new Dictionary<string, string?> { ["QUEUES"] = null, ["REDIS_URL"] = $"redis://{credentials}@127.0.0.1:{server.Port}{database}" });
        Assert.Equal(2, worker.WaitForExit(TimeSpan.FromSeconds(15)));
        Assert.Contains(expected, Assert.Single(worker.Lines, l => l.Contains(" FTL ", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.DoesNotContain("wrong", worker.Output.Replace("(or user)", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }
}
