using System.Net;
using System.Net.Sockets;
using System.Text;
using Mono.Unix.Native;
using Pool.Master.Tests.Supervision;
using Pool.Testing;

namespace Pool.Master.Tests.Ops;

/// <summary>The operator's side of hostile input: admin commands, the HTTP endpoint, Redis credentials.</summary>
public sealed class HostileOpsTests(RedisFixture redis) : OpsTest(redis, "hostile")
{
    [Fact]
    public void Status_with_a_database_the_server_does_not_have_ends_with_one_line()
    {
        var (code, output) = new PoolMasterCli(Redis.Server.Url + "/99", Ns).Run("status");

        Assert.Equal(1, code);
        var line = Assert.Single(output.Split('\n'));
        Assert.StartsWith("stderr: pool-master status: ", line);
        Assert.DoesNotContain("   at ", output);
    }

    [Fact]
    public void A_wrong_password_is_logged_as_authentication_failed_by_the_master_and_its_workers()
    {
        using var locked = RedisServer.Start();
        locked.Db.Execute("CONFIG", "SET", "requirepass", "right");
        var url = $"redis://:wrong@127.0.0.1:{locked.Port}";
        using var run = MasterRun.Start("foo: 1\n", env: new Dictionary<string, string?> { ["REDIS_URL"] = url });
        run.WaitForMasterLine("authentication failed", TimeSpan.FromSeconds(30));

        using var worker = TestProcess.Start(Artifacts.PoolWorker, ["--jobs", Artifacts.SamplesDll],
            new Dictionary<string, string?> { ["REDIS_URL"] = url, ["QUEUES"] = "q", ["POOL_MASTER_PID"] = null });
        worker.WaitForLine("authentication failed", TimeSpan.FromSeconds(30));
        Assert.DoesNotContain("wrong", run.Master.Output + worker.Output);
    }

    /// <summary>Port 0 was retried forever, an unknown keyword gave the client's bare words, and --redis was called REDIS_URL.</summary>
    [Theory]
    [InlineData("status", "--redis", "redis://127.0.0.1:0", "pool-master status: --redis 'redis://127.0.0.1:0' has port 0, outside 1 to 65535")]
    [InlineData("status", "REDIS_URL", "127.0.0.1:6379,password=pw,foo=1", "pool-master status: REDIS_URL '127.0.0.1:6379,password=***,foo=1': Keyword 'foo' is not supported")]
    [InlineData("run", "--redis", "redis://:pw@127.0.0.1:0", "--redis 'redis://:***@127.0.0.1:0' has port 0, outside 1 to 65535")]
    // A hostile trial: an empty port was read as 6379, ?password= was echoed, and a second min_replica_acks won in silence.
    [InlineData("status", "--redis", "redis://127.0.0.1:/0", "pool-master status: --redis 'redis://127.0.0.1:/0' has an empty port")]
    [InlineData("run", "REDIS_URL", "redis://:pw@127.0.0.1:", "pool-master: REDIS_URL 'redis://:***@127.0.0.1:' has an empty port")]
    [InlineData("check", "--redis", "redis://127.0.0.1:6379/0?password=pw", "pool-master check: --redis 'redis://127.0.0.1:6379/0?password=***' has the parameter 'password'")]
    [InlineData("status", "REDIS_URL", "redis://127.0.0.1:6379/0?min_replica_acks=1&min_replica_acks=0", "pool-master status: REDIS_URL 'redis://127.0.0.1:6379/0?min_replica_acks=1&min_replica_acks=0' gives min_replica_acks more than once")]
    public void A_bad_redis_url_is_one_line_naming_the_option_or_variable(string command, string source, string url, string expected)
    {
        var dir = Directory.CreateTempSubdirectory("pool-bad-url").FullName;
        File.WriteAllText(Path.Combine(dir, "pool.yml"), "q: 1\n");
        var fromFlag = source == "--redis";
        using var master = TestProcess.Start(Artifacts.PoolMaster, [command, .. fromFlag ? new[] { "--redis", url } : []],
            new Dictionary<string, string?> { ["REDIS_URL"] = fromFlag ? "redis://127.0.0.1:1" : url, ["POOL_NAMESPACE"] = Ns, ["POOL_CONFIG"] = null }, dir);
        Assert.NotEqual(0, master.WaitForExit(TimeSpan.FromSeconds(20)));
        Assert.Contains(expected, Assert.Single(master.Lines, l => l.Trim().Length > 0), StringComparison.Ordinal);
        Assert.DoesNotContain("=pw", master.Output, StringComparison.Ordinal);
    }

    /// <summary>Four of the master's connections showed the client's default name, so an operator could not tell them from anything else in CLIENT LIST.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Every_connection_of_the_pool_is_named_in_client_list()
    {
        using var server = RedisServer.Start();
        var dir = Directory.CreateTempSubdirectory("pool-names").FullName;
        var config = Path.Combine(dir, "pool.yml");
        File.WriteAllText(config, "q:\n  count: 1..2\n  target_jobs_per_worker: 5\n");
        var port = RedisServer.FreePort();
        using var master = TestProcess.Start(Artifacts.PoolMaster, ["run", "-c", config, "-w", Artifacts.PoolWorker, "--http", $"127.0.0.1:{port}"],
            PoolEnvironment.For(server.Url, Ns), dir);
        master.WaitForLine("Worker ready", TimeSpan.FromSeconds(20));
        using var http = new System.Net.Http.HttpClient();
        Assert.Contains("\"workers\"", await http.GetStringAsync($"http://127.0.0.1:{port}/status"), StringComparison.Ordinal);

        string[] names = [];
        await Wait.UntilAsync(async () =>
        {
            names = [.. ((string?)await server.Db.ExecuteAsync("CLIENT", "LIST") ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => l.Split(' ').First(f => f.StartsWith("name=", StringComparison.Ordinal))["name=".Length..])];
            return names.Contains("pool-master") && names.Contains("pool-worker") && names.Contains("pool-master-http");
        }, TimeSpan.FromSeconds(15), "the master, its worker and its HTTP endpoint to connect", () => Task.FromResult(string.Join(", ", names)));
        Assert.All(names, n => Assert.True(n == "test" || n.StartsWith("pool-", StringComparison.Ordinal), $"unnamed or foreign connection '{n}' among: {string.Join(", ", names)}"));
    }

    [Fact(Timeout = 60_000)]
    public async Task An_acl_user_without_the_client_command_runs_jobs_without_an_outage()
    {
        // A managed Redis may hand out a user that lacks CLIENT: the connections' names are a
        // courtesy for CLIENT LIST, so the pool must work unnamed, not report Redis unreachable.
        using var server = RedisServer.Start();
        server.Db.Execute("ACL", "SETUSER", "noclient", "on", ">s3cret", "~*", "&*", "+@all", "-client");
        var dir = Directory.CreateTempSubdirectory("pool-acl").FullName;
        var config = Path.Combine(dir, "pool.yml");
        var lines = Path.Combine(dir, "lines.txt");
        File.WriteAllText(config, "q: 1\n");
        using var master = TestProcess.Start(Artifacts.PoolMaster, ["run", "-c", config, "-w", Artifacts.PoolWorker],
            PoolEnvironment.For($"redis://noclient:s3cret@127.0.0.1:{server.Port}", Ns), dir);
        master.WaitForLine("Worker ready", TimeSpan.FromSeconds(20));

        // Two jobs, the second once the first is done: the second reaches an idle worker's wait.
        foreach (var tag in new[] { "first", "second" })
        {
            await new Pool.Protocol.Producing.Producer(server.Connection, Ns).EnqueueAsync("q", "Record", lines, tag);
            await Wait.UntilAsync(() => File.Exists(lines) && File.ReadAllLines(lines).Contains(tag), TimeSpan.FromSeconds(15), $"the {tag} job to run");
        }
        Assert.Equal(["first", "second"], File.ReadAllLines(lines));
        Assert.Equal(0, master.CountLines("unreachable") + master.CountLines("refused"));
    }

    [Fact]
    public async Task Http_on_every_interface_warns_and_answers_pipelined_requests_in_order()
    {
        var port = RedisServer.FreePort();
        using var run = MasterRun.Start("foo: 1\n", env: new Dictionary<string, string?> { ["REDIS_URL"] = Redis.Server.Url, ["POOL_NAMESPACE"] = Ns },
            extraArgs: ["--http", $"0.0.0.0:{port}"]);
        run.WaitForMasterLine("every network interface");
        run.WaitForMasterLine("serving /status");

        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("GET /status HTTP/1.1\r\nHost: x\r\n\r\nGET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"));
        var received = new StringBuilder();
        var buffer = new byte[65536];
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (CountOf(received.ToString(), "HTTP/1.1 200") < 2 || !received.ToString().Contains("pool_redis_up", StringComparison.Ordinal))
        {
            var n = await stream.ReadAsync(buffer, deadline.Token);
            Assert.True(n > 0, "the connection closed before both answers: " + received);
            received.Append(Encoding.UTF8.GetString(buffer, 0, n));
        }
        var text = received.ToString();
        Assert.True(text.IndexOf("\"workers\"", StringComparison.Ordinal) < text.IndexOf("pool_redis_up", StringComparison.Ordinal), "answers in request order");
    }

    [Fact]
    public async Task A_thousand_idle_http_connections_under_a_1024_file_limit_do_not_stop_supervision()
    {
        var port = RedisServer.FreePort();
        using var run = MasterRun.Start("foo: 1\n", env: new Dictionary<string, string?> { ["POOL_HTTP"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            fileLimit: 1024);
        var worker = run.WaitForReadyWorkers(1)[0];
        run.WaitForMasterLine("serving /status");

        var idle = new List<TcpClient>();
        try
        {
            for (var i = 0; i < 1000; i++)
            {
                var c = new TcpClient();
                try { await c.ConnectAsync(IPAddress.Loopback, port); } catch (SocketException) { }
                idle.Add(c);
            }
            Syscall.kill(worker, Signum.SIGKILL);
            Wait.Until(() => !run.Workers().Contains(worker), TimeSpan.FromSeconds(10), "the killed worker to be reaped");
            var replacement = run.WaitForReadyWorkers(1, TimeSpan.FromSeconds(30));
            Assert.NotEqual(worker, replacement[0]);
            Assert.False(run.Master.HasExited, run.Master.Output);
        }
        finally
        {
            foreach (var c in idle) c.Dispose();
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        await Wait.UntilAsync(async () =>
        {
            try { return (await http.GetAsync($"http://127.0.0.1:{port}/status")).IsSuccessStatusCode; }
            catch (HttpRequestException) { return false; }
        }, TimeSpan.FromSeconds(20), "/status to answer once the idle connections are gone");
        Assert.Equal(0, run.StopAndTime(Signum.SIGTERM, TimeSpan.FromSeconds(15)).Code);
    }

    private static int CountOf(string text, string part)
    {
        var count = 0;
        for (var i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + 1, StringComparison.Ordinal)) count++;
        return count;
    }
}
