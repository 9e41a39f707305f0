namespace Pool.Protocol.Connection;

/// <summary>For a command nothing awaits any more (one sent behind a script that failed, a wait a stop left behind).</summary>
internal static class TaskFaults
{
    /// <summary>
    /// Observes the task's fault, if it ever has one, so it is not reported as unobserved. Only a
    /// fault runs the continuation, inline on the completing thread: one queued to the thread pool
    /// on every completion woke a pool thread (which woke another) just as a handed job started.
    /// </summary>
    public static void ObserveFault(this Task? task) =>
        task?.ContinueWith(t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
}
