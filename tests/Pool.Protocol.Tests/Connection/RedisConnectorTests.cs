using Pool.Protocol.Connection;
using Pool.Testing;
using StackExchange.Redis;

namespace Pool.Protocol.Tests.Connection;

/// <summary>What the client lets pass in silence at connect, against a real redis-server of its own.</summary>
public sealed class RedisConnectorTests : IDisposable
{
    private readonly RedisServer _redis = RedisServer.Start();

    private static Task<ConnectionMultiplexer> Connect(string url)
    {
        var options = RedisUrl.Parse(url);
        options.AbortOnConnectFail = false;
        return RedisConnector.ConnectAsync(options);
    }

    /// <summary>The client went on as the default user (which needs no password here) after Redis refused the URL's user.</summary>
    [Fact]
    public async Task A_refused_user_is_an_authentication_failure_not_the_default_user()
    {
        _redis.Db.Execute("ACL", "SETUSER", "app", "on", ">right", "~*", "&*", "+@all");
        var e = await Assert.ThrowsAsync<RedisConnectionException>(() => Connect($"redis://app:wrong@127.0.0.1:{_redis.Port}"));
        Assert.Equal(ConnectionFailureType.AuthenticationFailure, e.FailureType);
        Assert.Contains("as user 'default'", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong", e.Message, StringComparison.Ordinal);

        await using var right = await Connect($"redis://app:right@127.0.0.1:{_redis.Port}");
        Assert.Equal("app", (string?)await right.GetDatabase().ExecuteAsync("ACL", "WHOAMI"));
    }

    /// <summary>The client went on in database 0 after Redis refused its SELECT: the pool read and wrote another database than the URL's.</summary>
    [Fact]
    public async Task A_user_that_may_not_select_the_urls_database_is_refused_instead_of_using_database_0()
    {
        _redis.Db.Execute("ACL", "SETUSER", "nosel", "on", ">pw", "~*", "&*", "+@all", "-select");
        var e = await Assert.ThrowsAsync<RedisCommandException>(() => Connect($"redis://nosel:pw@127.0.0.1:{_redis.Port}/1"));
        Assert.Contains("Redis refused SELECT 1", e.Message, StringComparison.Ordinal);
        Assert.Contains("use /0 in the URL, or grant the user +select", e.Message, StringComparison.Ordinal);

        await using var zero = await Connect($"redis://nosel:pw@127.0.0.1:{_redis.Port}/0");
        Assert.True(zero.IsConnected);
    }

    public void Dispose() => _redis.Dispose();
}
