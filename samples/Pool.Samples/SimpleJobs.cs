using Pool.Worker.Jobs;

namespace Pool.Samples;

/// <summary>Does nothing: for throughput figures.</summary>
public sealed class Noop : IJob
{
    public void Perform() { }
}

/// <summary>Waits, and stops early (to be requeued) when its token fires.</summary>
public sealed class Sleep : IJob
{
    public Task PerformAsync(double seconds, CancellationToken token) => Task.Delay(TimeSpan.FromSeconds(seconds), token);
}

/// <summary>Waits and ignores its token: TERM has to reach its deadline.</summary>
public sealed class Stubborn : IJob
{
    public void Perform(double seconds) => Thread.Sleep(TimeSpan.FromSeconds(seconds));
}

/// <summary>Prints its text with Console.WriteLine, which the worker logs as a "Console:" line.</summary>
public sealed class Echo : IJob
{
    public void Perform(string text) => Console.WriteLine(text);
}

/// <summary>Always fails with the given message.</summary>
public sealed class Fail : IJob
{
    public void Perform(string message) => throw new InvalidOperationException(message);
}

/// <summary>Appends the line <c>tag</c> to the file at path, so a test can count runs.</summary>
public sealed class Record : IJob
{
    public void Perform(string path, string tag) => LineFile.Append(path, tag);
}

/// <summary>
/// Works for <c>ms</c> milliseconds, then appends "tag started ended" (UTC ticks), so a test can
/// count runs and find two runs of one job that overlapped in time.
/// </summary>
public sealed class RecordSpan : IJob
{
    public void Perform(string path, string tag, int ms)
    {
        var started = DateTime.UtcNow.Ticks;
        if (ms > 0) Thread.Sleep(ms);
        LineFile.Append(path, FormattableString.Invariant($"{tag} {started} {DateTime.UtcNow.Ticks}"));
    }
}

/// <summary>A plain loop, CountTo without iteration: appends 0..n-1 to path. The bench's baseline for the cost of checkpoints.</summary>
public sealed class AppendLines : IJob
{
    public void Perform(int n, string path)
    {
        for (var i = 0; i < n; i++) LineFile.Append(path, i.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}

/// <summary>Fails the first time (leaving the file at path behind), succeeds from then on: a job its retry fixes.</summary>
public sealed class Flaky : IJob
{
    public void Perform(string path)
    {
        if (File.Exists(path)) return;
        File.WriteAllText(path, "failed once\n");
        throw new InvalidOperationException("flaky: fails the first time");
    }
}
