using Pool.Testing;
using Pool.Worker.Running;
using StackExchange.Redis;

namespace Pool.Worker.Tests.Running.InProcess;

/// <summary>Redis answering a call with an error: retried with the outage backoff, and said so while it goes on.</summary>
public sealed class RefusalTests
{
    /// <summary>
    /// An ACL user without BLPOP (or without scripting) was one error line, then silence: the
    /// worker took no job for as long as it ran, and its log read as a pool at rest.
    /// </summary>
    [Fact(Timeout = 20_000)]
    public async Task A_refusal_that_goes_on_is_said_again_every_minute_and_once_when_it_ends()
    {
        var clock = new WatchedClock();
        var log = new LogCapture();
        var guard = new RedisGuard(log.Logger, clock);
        var refusing = true;
        var calls = 0;
        var run = guard.RunAsync("wait", () =>
        {
            Interlocked.Increment(ref calls);
            return Volatile.Read(ref refusing)
                ? Task.FromException<int>(new RedisServerException("NOPERM User u has no permissions to run the 'blpop' command"))
                : Task.FromResult(1);
        }, CancellationToken.None);

        // Each retry waits on the clock (the backoff, capped at 2 s): move it to each wait's end
        // once the wait is armed, for 2 minutes and 10 s.
        var start = clock.GetUtcNow();
        while (clock.GetUtcNow() - start < TimeSpan.FromSeconds(130))
        {
            var before = Volatile.Read(ref calls);
            await Wait.UntilAsync(() => clock.Armed.Count > 0, TimeSpan.FromSeconds(5), "the retry's wait armed");
            clock.Advance(clock.Armed[0]);
            await Wait.UntilAsync(() => Volatile.Read(ref calls) > before, TimeSpan.FromSeconds(5), "the next attempt");
        }

        Assert.Equal(1, log.Count("Redis refused wait: NOPERM"));
        Assert.Equal(2, log.Count("Redis still refuses wait: NOPERM User u has no permissions to run the 'blpop' command; still retrying (the user in REDIS_URL lacks a command Pool needs"));

        Volatile.Write(ref refusing, false);
        await Wait.UntilAsync(() => clock.Armed.Count > 0, TimeSpan.FromSeconds(5), "the retry's wait armed");
        clock.Advance(clock.Armed[0]);
        Assert.Equal(1, await run.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(1, log.Count("Redis accepts wait again"));
    }
}
