using Pool.Logging;
using Pool.Settings;
using Pool.Worker.Jobs;

namespace Pool.Worker.Hosting;

/// <summary>
/// The one entry point, for pool-worker itself and for a user's own worker app:
/// <code>return await PoolWorkerHost.RunAsync(args, jobs => jobs.Add&lt;MyJob&gt;(), services);</code>
/// It parses pool-worker's command line and environment, runs the loop until a stop signal,
/// and returns the process exit code.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public static class PoolWorkerHost
{
    public static async Task<int> RunAsync(string[] args, Action<JobRegistry>? configureJobs = null, IServiceProvider? services = null)
    {
        // Redis first of all, while the rest starts: the client's set-up is the longest part of a
        // start, on a respawn's way to its first job, and beginning it before the 10 ms below
        // registered the worker about 11 ms sooner (its own timestamps, 6 starts each way). It
        // runs on a pool thread and starts none of the runtime's signal handling (no Console,
        // Process or PosixSignalRegistration; checked with strace); if a client version ever did,
        // Restore finds CONT caught and changes nothing, and the worker reports what it cannot hear.
        await using var early = EarlyConnection.Start(args);
        // Before the runtime's signal handling starts: a signal the worker handles but its parent
        // ignored (a script's `pool-worker &`, nohup) would otherwise never arrive.
        Pool.Signals.InheritedIgnores.Restore(Pool.Signals.SignalNames.WorkerHandles);
        // Then a USR1 or USR2 (default action: terminate) that reaches a worker while it parses,
        // logs and loads jobs is held, and applied once the worker can act on it.
        using var signals = Signals.SignalHandlers.Listen();
        var cli = new WorkerCommandLine();
        var root = cli.Build(ownApp: configureJobs is not null, (values, _) => RunAsync(values, configureJobs, services, signals, early));
        // ProcessTerminationTimeout = null: the worker's own handlers own TERM and INT. With
        // System.CommandLine 2.0.15's default, its handler ended the worker with 143 or 130 two
        // seconds after one, in the middle of the drain (2.0.0 did not).
        var parsed = root.Parse(args);
        // One line that says what to fix, not the parser's error list and the whole help;
        // pool-master shows the first line --check writes.
        if (Pool.Cli.ParseProblems.Any(parsed))
        {
            var problems = Pool.Cli.ParseProblems.Describe(parsed).ToList();
            await Console.Error.WriteLineAsync(parsed.GetValue(cli.Check)
                ? $"pool-worker --check: cannot read the command line: {problems[0]}; see --help for the options"
                : $"{root.Name}: {string.Join("; ", problems)}; see {root.Name} --help").ConfigureAwait(false);
            return WorkerCommandLine.CheckOptionsWrong;
        }
        return await parsed.InvokeAsync(new System.CommandLine.InvocationConfiguration { ProcessTerminationTimeout = null }).ConfigureAwait(false);
    }

    private static async Task<int> RunAsync(WorkerCommandLine.ParseResultValues values, Action<JobRegistry>? configureJobs, IServiceProvider? services, Pool.Signals.SignalInbox signals, EarlyConnection? early)
    {
        if (NativeParts.Missing() is { } missing)
        {
            await Console.Error.WriteLineAsync((values.CheckOnly ? "pool-worker --check: " : "") + missing).ConfigureAwait(false);
            return 2;
        }
        if (values.CheckOnly)
        {
            if (values.StartProblem() is not { } problem) return JobLoading.Check(values.JobPaths, configureJobs, services);
            await Console.Error.WriteLineAsync("pool-worker --check: " + problem).ConfigureAwait(false);
            return WorkerCommandLine.CheckOptionsWrong;
        }
        if (!WorkerCommandLine.ParseResultValues.TryLogFormat(values.LogFormatText, out var format))
        {
            await Console.Error.WriteLineAsync(values.LogFormatError).ConfigureAwait(false);
            return 2;
        }
        // POOL_LOG_LEVEL=warning drops the per-job lines, e.g. for throughput benchmarks.
        var level = Enum.TryParse<Serilog.Events.LogEventLevel>(Environment.GetEnvironmentVariable(PoolVariables.LogLevel), ignoreCase: true, out var l)
            ? l : Serilog.Events.LogEventLevel.Information;
        using var log = LogSetup.Create(format, "worker", level, batchable: true, out var logBatching);
        // A job's own thread (new Thread, a timer callback) that throws ends the worker: one line, and the master puts the job back.
        const string consequence = "its master (without one, a lease sweep elsewhere) puts the running job back; a job's own threads and callbacks must catch their exceptions";
        CrashLog.Install(log, consequence);
        try
        {
            return await RunLoggedAsync(values, configureJobs, services, signals, early, log, logBatching).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Left to System.CommandLine, it would be written to Console.Error, which is this
            // logger, disposed by then: the worker exited 1 without a word (POOL_RETRIES=abc did).
            CrashLog.Report(log, e, consequence);
            return CrashLog.ExitCode;
        }
    }

    private static async Task<int> RunLoggedAsync(WorkerCommandLine.ParseResultValues values, Action<JobRegistry>? configureJobs, IServiceProvider? services,
        Pool.Signals.SignalInbox signals, EarlyConnection? early, Serilog.Core.Logger log, BatchingStdoutSink? logBatching)
    {
        // What jobs print becomes log lines (one event per line, JSON when asked), not raw text in the log.
        Console.SetOut(new ConsoleToLog(line => log.Information("Console: {Output:l}", line)));
        Console.SetError(new ConsoleToLog(line => log.Warning("Console error: {Output:l}", line)));
        if (Pool.Signals.InheritedIgnores.Restored.Count > 0)
            log.Information("{Signals} were ignored when pool-worker started (a script's background job, or nohup); the worker handles them anyway",
                Pool.Signals.SignalNames.Names(Pool.Signals.InheritedIgnores.Restored));
        var settings = values.Settings(out var error);
        if (settings is null)
        {
            log.Error("{Error}", error);
            return 2;
        }

        var registry = JobLoading.Load(JobLoading.Loadable(values.JobPaths, note => log.Warning("{Note:l}", note)), configureJobs, out var loadError);
        if (registry is null)
        {
            log.Error("Cannot load jobs: {Error}", loadError);
            return 2;
        }
        if (registry.Count == 0) log.Warning("No job classes loaded: pass --jobs ASSEMBLY.dll or set POOL_JOBS; every job will fail as unknown");
        // The others still run; `--check` (and so a HUP) refuses such a build.
        foreach (var problem in JobLoading.ConstructionProblems(registry, services)) log.Warning("{Problem:l}; its jobs will fail", problem);

        try
        {
            if (early is not null) early.Notice = notice => log.Information("{Notice}", notice);
            var connecting = early?.Take(settings.RedisUrl);
            return await WorkerRunner.RunAsync(settings, registry, services, log, signals, logBatching, connecting).ConfigureAwait(false);
        }
        catch (StackExchange.Redis.RedisCommandException e)
        {
            // Refused by the client before anything ran, which no retry cures (a database index
            // the server does not have: REDIS_URL's /db). One line, not a stack trace; the
            // master respawns with backoff, and its log shows the exit code.
            log.Fatal("Cannot use Redis: {Error:l}{Hint:l}", e.Message,
                e.Message.StartsWith("Redis refused", StringComparison.Ordinal) ? "" : "; fix REDIS_URL (its /db must be one the server has, 0 to 15 by default)");
            return 2;
        }
        catch (StackExchange.Redis.RedisConnectionException e) when (e.FailureType == StackExchange.Redis.ConnectionFailureType.AuthenticationFailure)
        {
            // Redis took the connection as another user than the URL names (RedisConnector):
            // going on would run jobs with that user's rights.
            log.Fatal("Cannot use Redis: {Error:l}", e.Message);
            return 2;
        }
    }
}
