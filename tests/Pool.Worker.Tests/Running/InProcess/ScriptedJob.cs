using System.Collections.Concurrent;
using Pool.Worker.Jobs;

namespace Pool.Worker.Tests.Running.InProcess;

/// <summary>
/// A job the test drives: it starts, waits until the test finishes it (or, when it honours its
/// token, until the token fires) and tells the test what it saw. Its payload names it by key.
/// </summary>
public sealed class ScriptedJob
{
    private static readonly ConcurrentDictionary<string, ScriptedJob> ByKey = new();

    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _finish = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _tokenFired = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string _key = Guid.NewGuid().ToString("N");

    /// <param name="honoursToken">Whether it stops when its token fires (true) or runs on until finished.</param>
    public ScriptedJob(bool honoursToken)
    {
        HonoursToken = honoursToken;
        ByKey[_key] = this;
    }

    public bool HonoursToken { get; }
    public string Payload => $$"""{"class":"Scripted","args":["{{_key}}"]}""";
    public bool HasStarted => _started.Task.IsCompleted;
    public bool SawToken => _tokenFired.Task.IsCompleted;
    public bool HasEnded => _ended;

    private volatile bool _ended;

    /// <summary>It returns normally.</summary>
    public void Finish() => _finish.TrySetResult();

    /// <summary>It throws <paramref name="e"/>.</summary>
    public void Throw(Exception e) => _finish.TrySetException(e);

    /// <summary>Ends a job the test left running (one the worker abandoned); it is forgotten.</summary>
    internal void Release()
    {
        Finish();
        ByKey.TryRemove(_key, out _);
    }

    private async Task RunAsync(CancellationToken token)
    {
        using var _ = token.Register(() => _tokenFired.TrySetResult());
        _started.TrySetResult();
        try
        {
            await (HonoursToken ? _finish.Task.WaitAsync(token) : _finish.Task).ConfigureAwait(false);
        }
        finally
        {
            // A token that stopped the job may have ended it before the callback above ran (and
            // the callback is then unregistered unrun); it has fired all the same.
            if (token.IsCancellationRequested) _tokenFired.TrySetResult();
            _ended = true;
        }
    }

    /// <summary>The job class the worker loads; it runs the <see cref="ScriptedJob"/> its argument names.</summary>
    public sealed class Scripted : IJob
    {
        public Task PerformAsync(string key, CancellationToken token) => ByKey[key].RunAsync(token);
    }
}
