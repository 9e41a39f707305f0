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

    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan? timeout = null, string? because = null)
    {
        var deadline = Stopwatch.StartNew();
        var limit = timeout ?? Default;
        while (!await condition().ConfigureAwait(false))
        {
            if (deadline.Elapsed > limit)
                throw new TimeoutException($"Timed out after {limit.TotalSeconds:0.#} s waiting for: {because ?? "condition"}");
            await Task.Delay(10).ConfigureAwait(false);
        }
    }

    public static Task UntilAsync(Func<bool> condition, TimeSpan? timeout = null, string? because = null) =>
        UntilAsync(() => Task.FromResult(condition()), timeout, because);
}
