using Pool.Testing;

namespace Pool.Worker.Tests.Support;

/// <summary>A test with a redis-server of its own, for tests that restart or pause every client of it.</summary>
public abstract class PrivateRedisTest(bool appendOnly = false) : IDisposable
{
    protected Scratch S { get; } = new();
    protected RedisServer Redis { get; } = RedisServer.Start(appendOnly);

    public void Dispose()
    {
        Redis.Dispose();
        S.Dispose();
        GC.SuppressFinalize(this);
    }
}
