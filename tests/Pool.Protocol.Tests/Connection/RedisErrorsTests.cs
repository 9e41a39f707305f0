using Pool.Protocol.Connection;
using Pool.Testing;
using StackExchange.Redis;

namespace Pool.Protocol.Tests.Connection;

public sealed class RedisErrorsTests
{
    /// <summary>A real client error from a port nobody listens on: StackExchange.Redis appends about a kilobyte of counters to it.</summary>
    [Fact(Timeout = 30_000)]
    public async Task A_timeout_in_the_backlog_is_cut_to_what_happened()
    {
        var options = ConfigurationOptions.Parse($"127.0.0.1:{RedisServer.FreePort()}");
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = options.AsyncTimeout = options.SyncTimeout = 300;
        await using var redis = await ConnectionMultiplexer.ConnectAsync(options);

        var e = await Assert.ThrowsAnyAsync<RedisException>(() => redis.GetDatabase().PingAsync());
        var brief = RedisErrors.Brief(e);

        Assert.Contains("command=", e.Message, StringComparison.Ordinal);
        Assert.True(brief.Length < 300, $"{brief.Length} characters: {brief}");
        Assert.DoesNotContain("command=", brief, StringComparison.Ordinal);
        Assert.StartsWith(brief, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Another_error_keeps_its_first_line()
    {
        Assert.Equal("ERR unknown command 'FOO'", RedisErrors.Brief(new RedisServerException("ERR unknown command 'FOO'\nsecond line")));
    }
}
