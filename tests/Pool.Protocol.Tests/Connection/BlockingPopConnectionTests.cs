using Pool.Protocol.Connection;
using Pool.Testing;
using StackExchange.Redis;

namespace Pool.Protocol.Tests.Connection;

/// <summary>The idle wait's own connection, against a real redis-server of its own (some tests restart it or set a password).</summary>
public sealed class BlockingPopConnectionTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly RedisServer _redis = RedisServer.Start();
    private readonly string _ns = RedisServer.NewNamespace();

    private BlockingPopConnection Open(string? url = null) =>
        new(RedisUrl.Parse(url ?? _redis.Url), "pool-worker-wait", TimeSpan.FromSeconds(5));

    [Theory]
    [InlineData("redis://127.0.0.1:6379", 0, true)]
    [InlineData("redis://:secret@redis.internal:6380/2", 0, true)]
    [InlineData("redis://127.0.0.1:6379?min_replica_acks=1", 1, false)]
    [InlineData("rediss://redis.internal:6380", 0, false)]
    [InlineData("redis+sentinel://127.0.0.1:26379/mymaster", 0, false)]
    [InlineData("127.0.0.1:6379,127.0.0.1:6380", 0, false)]
    public void Serves_plain_single_server_urls_only(string url, int replicaAcks, bool served) =>
        Assert.Equal(served, BlockingPopConnection.Supports(RedisUrl.Parse(url), replicaAcks));

    [Fact]
    public async Task Pops_the_first_key_that_has_a_value_byte_for_byte_and_null_at_the_timeout()
    {
        using var pop = Open();
        Assert.Null(await pop.LeftPopAsync([_ns + ":a", _ns + ":b"], TimeSpan.FromMilliseconds(100)).WaitAsync(Patience));

        // A payload bigger than the read buffer, with newlines and UTF-8, arrives whole.
        var payload = "{\"class\":\"Big\",\"args\":[\"" + new string('x', 40_000) + "\\n ü €\"]}\nrid\nqueue";
        await _redis.Db.ListRightPushAsync(_ns + ":b", payload);
        var popped = await pop.LeftPopAsync([_ns + ":a", _ns + ":b"], TimeSpan.FromSeconds(1)).WaitAsync(Patience);
        Assert.Equal((_ns + ":b", payload), popped);
    }

    [Fact]
    public async Task A_waiting_pop_is_named_and_blocked_where_Redis_shows_clients_and_returns_on_a_push()
    {
        using var pop = Open();
        var waiting = pop.LeftPopAsync([_ns + ":q"], TimeSpan.FromSeconds(5));
        await Wait.UntilAsync(() => RedisClients.IsBlockedAsync(_redis.Db, "pool-worker-wait", "blpop"), because: "the pop to block in Redis");
        await _redis.Db.ListRightPushAsync(_ns + ":q", "job");
        Assert.Equal((_ns + ":q", "job"), await waiting.WaitAsync(Patience));
    }

    [Fact]
    public async Task Authenticates_and_selects_the_database_of_the_url()
    {
        _redis.Db.Execute("ACL", "SETUSER", "pool", "on", ">s3cret", "~*", "+@all");
        using var pop = Open($"redis://pool:s3cret@127.0.0.1:{_redis.Port}/3");
        var waiting = pop.LeftPopAsync([_ns + ":q"], TimeSpan.FromSeconds(5));
        await Wait.UntilAsync(() => RedisClients.IsBlockedAsync(_redis.Db, "pool-worker-wait", "blpop"), because: "the pop to block in Redis");
        await _redis.Connection.GetDatabase(3).ListRightPushAsync(_ns + ":q", "in db 3");
        Assert.Equal((_ns + ":q", "in db 3"), await waiting.WaitAsync(Patience));
    }

    [Fact]
    public async Task An_acl_user_without_the_client_command_still_pops_unnamed()
    {
        // Managed Redis services hand out users like this; the name is a courtesy, not a need.
        _redis.Db.Execute("ACL", "SETUSER", "noclient", "on", ">s3cret", "~*", "&*", "+@all", "-client");
        using var pop = Open($"redis://noclient:s3cret@127.0.0.1:{_redis.Port}");
        await _redis.Db.ListRightPushAsync(_ns + ":q", "for an unnamed connection");
        Assert.Equal((_ns + ":q", "for an unnamed connection"), await pop.LeftPopAsync([_ns + ":q"], TimeSpan.FromSeconds(1)).WaitAsync(Patience));
    }

    [Fact]
    public async Task A_user_that_may_not_select_the_urls_database_is_refused_in_redis_words_not_as_an_outage()
    {
        _redis.Db.Execute("ACL", "SETUSER", "nosel", "on", ">s3cret", "~*", "&*", "+@all", "-select");
        using var pop = Open($"redis://nosel:s3cret@127.0.0.1:{_redis.Port}/1");
        var e = await Assert.ThrowsAsync<RedisServerException>(() => pop.LeftPopAsync([_ns + ":q"], TimeSpan.FromSeconds(1)).WaitAsync(Patience));
        Assert.StartsWith("Redis refused SELECT 1, the database in REDIS_URL: NOPERM", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_password_fails_as_an_authentication_failure()
    {
        _redis.Db.Execute("CONFIG", "SET", "requirepass", "right");
        using var pop = Open($"redis://:wrong@127.0.0.1:{_redis.Port}");
        var e = await Assert.ThrowsAsync<RedisConnectionException>(() => pop.LeftPopAsync([_ns + ":q"], TimeSpan.FromSeconds(1)).WaitAsync(Patience));
        Assert.Equal(ConnectionFailureType.AuthenticationFailure, e.FailureType);
    }

    [Fact]
    public async Task Connects_by_host_name_trying_each_address_and_fails_a_refused_connect_as_a_connection_failure()
    {
        // redis-server listens on 127.0.0.1 only; "localhost" may resolve to ::1 first, which refuses.
        using (var pop = Open($"redis://localhost:{_redis.Port}"))
        {
            await _redis.Db.ListRightPushAsync(_ns + ":q", "by name");
            Assert.Equal((_ns + ":q", "by name"), await pop.LeftPopAsync([_ns + ":q"], TimeSpan.FromSeconds(1)).WaitAsync(Patience));
        }

        using var refused = Open($"redis://127.0.0.1:{RedisServer.FreePort()}");
        var e = await Assert.ThrowsAsync<RedisConnectionException>(() => refused.LeftPopAsync([_ns + ":q"], TimeSpan.FromSeconds(1)).WaitAsync(Patience));
        Assert.Contains("refused", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_restart_of_Redis_fails_the_pop_in_progress_as_a_connection_failure_and_the_next_pop_reconnects()
    {
        using var pop = Open();
        var waiting = pop.LeftPopAsync([_ns + ":q"], TimeSpan.FromSeconds(5));
        await Wait.UntilAsync(() => RedisClients.IsBlockedAsync(_redis.Db, "pool-worker-wait", "blpop"), because: "the pop to block in Redis");
        _redis.Restart();
        await Assert.ThrowsAsync<RedisConnectionException>(() => waiting.WaitAsync(Patience));

        await _redis.Db.ListRightPushAsync(_ns + ":q", "after");
        Assert.Equal((_ns + ":q", "after"), await pop.LeftPopAsync([_ns + ":q"], TimeSpan.FromSeconds(1)).WaitAsync(Patience));
    }

    [Fact]
    public async Task A_connection_Redis_closed_while_idle_is_replaced_without_failing_the_next_pop()
    {
        using var pop = Open();
        Assert.Null(await pop.LeftPopAsync([_ns + ":q"], TimeSpan.FromMilliseconds(50)).WaitAsync(Patience));
        // Redis's `timeout` closes the connection while no pop is on it (a lane running jobs).
        _redis.Db.Execute("CONFIG", "SET", "timeout", "1");
        await Wait.UntilAsync(async () => !((string?)await _redis.Db.ExecuteAsync("CLIENT", "LIST") ?? "").Contains("name=pool-worker-wait", StringComparison.Ordinal),
            because: "Redis to close the idle connection");
        _redis.Db.Execute("CONFIG", "SET", "timeout", "0");

        await _redis.Db.ListRightPushAsync(_ns + ":q", "after the idle close");
        Assert.Equal((_ns + ":q", "after the idle close"), await pop.LeftPopAsync([_ns + ":q"], TimeSpan.FromSeconds(1)).WaitAsync(Patience));
    }

    [Fact]
    public async Task Disposing_ends_a_pop_in_progress_at_once_and_pops_nothing_afterwards()
    {
        var pop = Open();
        var waiting = pop.LeftPopAsync([_ns + ":q"], TimeSpan.FromSeconds(30));
        await Wait.UntilAsync(() => RedisClients.IsBlockedAsync(_redis.Db, "pool-worker-wait", "blpop"), because: "the pop to block in Redis");
        pop.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(2)));
        await _redis.Db.ListRightPushAsync(_ns + ":q", "stays");
        Assert.Throws<ObjectDisposedException>(() => { _ = pop.LeftPopAsync([_ns + ":q"], TimeSpan.FromSeconds(1)); });
        Assert.Equal(1, await _redis.Db.ListLengthAsync(_ns + ":q"));
    }

    [Fact]
    public async Task Work_started_by_a_pop_continuation_runs_on_the_popping_thread_after_the_continuation_returns()
    {
        using var pop = Open();
        var order = new List<string>();
        int popThread = 0, workThread = 0;
        Task? work = null;
        // The pop is waiting before the push, so its continuation runs when the reply comes in,
        // on the popping thread (a pop already done would run it on this test's thread).
        var continued = ContinueOnPopAsync();
        await Wait.UntilAsync(() => RedisClients.IsBlockedAsync(_redis.Db, "pool-worker-wait", "blpop"), because: "the pop to block in Redis");
        await _redis.Db.ListRightPushAsync(_ns + ":q", "job");
        await continued.WaitAsync(Patience);
        await work!.WaitAsync(Patience);
        Assert.Equal(["continuation", "work"], order);
        Assert.Equal(popThread, workThread);
        // Anywhere else it is an ordinary Task.Run.
        var onPool = false;
        await BlockingPopConnection.RunNext(() =>
        {
            onPool = Thread.CurrentThread.IsThreadPoolThread;
            return Task.CompletedTask;
        }).WaitAsync(Patience);
        Assert.True(onPool);

        async Task ContinueOnPopAsync()
        {
            await pop.LeftPopAsync([_ns + ":q"], TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            popThread = Environment.CurrentManagedThreadId;
            work = BlockingPopConnection.RunNext(() =>
            {
                workThread = Environment.CurrentManagedThreadId;
                lock (order) order.Add("work");
                return Task.CompletedTask;
            });
            lock (order) order.Add("continuation");
        }
    }

    public void Dispose() => _redis.Dispose();
}
