using System.Diagnostics;

namespace Pool.Testing;

/// <summary>Waits for a condition with a deadline. Tests never sleep a fixed time.</summary>
public static class Wait
{
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(10);

    public static void Until(Func<bool> condition, TimeSpan? timeout = null, string? because = null)
    {
        var deadline = Stopwatch.StartNew();
        var limit = timeout ?? Default;
        while (!condition())
        {
            if (deadline.Elapsed > limit)
                throw new TimeoutException($"Timed out after {limit.TotalSeconds:0.#} s waiting for: {because ?? "condition"}");
            Thread.Sleep(10);
        }
    }

    /// <param name="describe">What the state was when the deadline passed, for the failure message.</param>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan? timeout = null, string? because = null, Func<Task<string>>? describe = null)
    {
        var deadline = Stopwatch.StartNew();
        var limit = timeout ?? Default;
        while (!await condition().ConfigureAwait(false))
        {
            if (deadline.Elapsed > limit)
            {
                var state = describe is null ? "" : "; state: " + await describe().ConfigureAwait(false);
                throw new TimeoutException($"Timed out after {limit.TotalSeconds:0.#} s waiting for: {because ?? "condition"}{state}");
            }
            await Task.Delay(10).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Checks <paramref name="invariant"/> every <paramref name="every"/> (100 ms by default) for the
    /// whole <paramref name="window"/>, and throws the first time it is false: for the things that
    /// must not happen during a stall, which no condition can wait for.
    /// </summary>
    public static async Task HoldsForAsync(TimeSpan window, Func<Task<bool>> invariant, string because, TimeSpan? every = null)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (!await invariant().ConfigureAwait(false))
                throw new InvalidOperationException($"After {clock.Elapsed.TotalSeconds:0.00} s of {window.TotalSeconds:0.#} s, this no longer held: {because}");
            if (clock.Elapsed >= window) return;
            await Task.Delay(every ?? TimeSpan.FromMilliseconds(100)).ConfigureAwait(false);
        }
    }

    public static Task UntilAsync(Func<bool> condition, TimeSpan? timeout = null, string? because = null) =>
        UntilAsync(() => Task.FromResult(condition()), timeout, because);
}
