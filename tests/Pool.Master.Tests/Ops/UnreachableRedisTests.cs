namespace Pool.Master.Tests.Ops;

/// <summary>No Redis at all, so no collection: these run beside the Redis-backed tests (each waits out the connect timeout).</summary>
public sealed class UnreachableRedisTests
{
    [Theory]
    [InlineData("status")]
    [InlineData("enqueue", "q", "Noop")]
    [InlineData("pause")]
    [InlineData("resume", "a,b")]
    [InlineData("failed", "retry", "--all")]
    [InlineData("failed", "clear")]
    public void Every_command_exits_1_with_one_line_and_no_password_when_redis_is_unreachable(params string[] args)
    {
        var (code, output) = new PoolMasterCli("redis://:s3cret@127.0.0.1:1", "unreachable").Run(args);

        Assert.Equal(1, code);
        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("cannot reach Redis at redis://:***@127.0.0.1:1", line);
        Assert.DoesNotContain("s3cret", line);
    }
}
