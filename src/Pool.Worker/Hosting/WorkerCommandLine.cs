using System.CommandLine;
using System.Globalization;
using Pool.Logging;
using Pool.Protocol.Connection;
using Pool.Settings;
using Pool.Worker.Running;

namespace Pool.Worker.Hosting;

/// <summary>pool-worker's options; each falls back to its environment variable, then a default.</summary>
internal sealed class WorkerCommandLine
{
    public Option<string?> Queues { get; } = new("--queues") { Description = "Queues in priority order, comma separated; * = all (env QUEUES)" };
    public Option<string?> Redis { get; } = new("--redis") { Description = "Redis URL or StackExchange.Redis config string (env REDIS_URL)" };
    public Option<string[]> Jobs { get; } = new("--jobs") { Description = "Job assemblies to load (env POOL_JOBS)", AllowMultipleArgumentsPerToken = true };
    public Option<double?> TermTimeout { get; } = new("--term-timeout") { Description = "Seconds a job gets after TERM before it is requeued (env TERM_TIMEOUT, default 25)" };
    public Option<string?> LogFormat { get; } = new("--log-format") { Description = "text or json (env POOL_LOG_FORMAT)" };
    public Option<int?> Concurrency { get; } = new("--concurrency") { Description = $"Jobs this process runs at once, 1 to {Protocol.Recovery.WorkerLanes.MaxConcurrency} (env POOL_CONCURRENCY, default 1: one job per process)" };

    /// <summary>
    /// Ignored by the worker: its only effect is to appear in ps. A Ruby Resque worker starting on
    /// the same host prunes every registered worker whose ps line does not match
    /// resque:work|resque-[0-9] (Worker#prune_dead_workers), and records a bogus DirtyExit for a
    /// job such a worker is still running. pool-master's default worker command passes
    /// <see cref="Protocol.Recovery.WorkerIdentity.RubyVisibleProcline"/>.
    /// </summary>
    public Option<string?> Procline { get; } = new("--procline") { Description = "Text shown in ps and otherwise ignored; resque-0:pool-worker keeps Ruby Resque workers on this host from pruning this one" };

    /// <summary>pool-master's `check` and HUP ask this before they start workers, and the start does for a command with options of its own.</summary>
    public Option<bool> Check { get; } = new("--check") { Description = "Judge the other options and load the job classes, print their names and exit: 0 when a worker could start and every job class can run, 2 when a job class cannot, 1 when an option or variable is wrong; needs no Redis" };

    /// <summary>--check's exit code for a wrong option or variable; 1, as System.CommandLine's own for an option it cannot parse.</summary>
    public const int CheckOptionsWrong = 1;

    /// <param name="ownApp">A user's worker app (jobs registered in its Program.cs), not pool-worker itself: its help names it.</param>
    public RootCommand Build(bool ownApp, Func<ParseResultValues, CancellationToken, Task<int>> run)
    {
        var description = ownApp
            ? $"{Path.GetFileName(Environment.ProcessPath) ?? "worker"}: a Pool worker app; runs its job classes from Redis with pool-worker's options"
            : "pool-worker: runs Resque-compatible jobs from Redis";
        // A Native AOT app cannot load assemblies, so --jobs would only be ignored there.
        Jobs.Hidden = !System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeSupported;
        var root = new RootCommand(description) { Queues, Redis, Jobs, TermTimeout, LogFormat, Concurrency, Procline, Check };
        root.SetAction((parse, ct) => run(new ParseResultValues(this, parse), ct));
        return root;
    }

    /// <summary>Options resolved against the environment.</summary>
    internal sealed class ParseResultValues(WorkerCommandLine cli, ParseResult parse)
    {
        private static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : null;

        public bool CheckOnly => parse.GetValue(cli.Check);

        public string? LogFormatText => parse.GetValue(cli.LogFormat) ?? Env(PoolVariables.LogFormat);

        public IReadOnlyList<string> JobPaths
        {
            get
            {
                var given = parse.GetValue(cli.Jobs);
                if (given is { Length: > 0 }) return given;
                return PoolVariables.JobPaths(Env("POOL_JOBS"));
            }
        }

        public string LogFormatError => $"--log-format / POOL_LOG_FORMAT must be text or json, not '{LogFormatText}'";

        /// <summary>
        /// For --check: what would stop a worker started with these options and variables, as its
        /// start would say it; null when nothing would. A group's `command: "pool-worker
        /// --concurrency 0"` passed --check, which only loaded the job classes, and then every
        /// worker exited at start, crash-looping. No queue list is needed: pool-master asks
        /// --check without one, and gives each worker its QUEUES.
        /// </summary>
        public string? StartProblem()
        {
            if (!TryLogFormat(LogFormatText, out _)) return LogFormatError;
            return Settings(out var error, queuesRequired: false) is null ? error : null;
        }

        /// <summary>The settings, or an error message that names the option to fix.</summary>
        public WorkerSettings? Settings(out string? error, bool queuesRequired = true)
        {
            error = null;
            var queues = (parse.GetValue(cli.Queues) ?? Env(PoolVariables.Queues) ?? (queuesRequired ? "" : "*"))
                .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (queues.Length == 0) { error = "no queues: pass --queues a,b or set QUEUES (use * for every queue)"; return null; }

            // A value past the range would overflow the stop timer (CancelAfter) at the first TERM.
            var term = parse.GetValue(cli.TermTimeout) ?? Seconds(PoolVariables.TermTimeout) ?? Seconds(PoolVariables.ResqueTermTimeout) ?? 25;
            if (!SecondsRange.TermTimeout.Contains(term)) { error = $"--term-timeout / TERM_TIMEOUT {SecondsRange.TermTimeout.Requirement(term)}, not {term}"; return null; }

            // The variables' own rules, as pool-master applies them in `check` and at start.
            error = WorkerVariableRules.FirstProblem(Env, Protocol.Recovery.WorkerLanes.MaxConcurrency)
                ?? Protocol.Retries.RetryPolicy.Problem(Env(PoolVariables.Retries), Env(PoolVariables.RetryDelays));
            if (error is not null) return null;
            int? maxJobs = Env(PoolVariables.MaxJobs) is { } mj ? int.Parse(mj, NumberStyles.Integer, CultureInfo.InvariantCulture) : null;
            Limits.TimeLimit? jobTimeout = null;
            if (Env(PoolVariables.JobTimeout) is { } jt)
            {
                if (!Limits.TimeLimit.TryParse(jt, out var limit, out error)) return null;
                jobTimeout = limit;
            }

            var concurrency = WorkerConcurrency.Parse(parse.GetValue(cli.Concurrency), Env(PoolVariables.Concurrency), out error);
            if (error is not null) return null;

            var lease = Pool.Protocol.Working.WorkerLease.Parse(Env(PoolVariables.Lease), out error);
            if (error is not null) return null;

            // A blank REDIS_URL is unset, as for pool-master, which passes its own URL to its workers.
            var redisFlag = parse.GetValue(cli.Redis);
            var redisUrl = redisFlag ?? RedisUrl.FromEnvironment(Env(PoolVariables.RedisUrl));
            try
            {
                _ = RedisUrl.Parse(redisUrl, redisFlag is null ? PoolVariables.RedisUrl : "--redis");
            }
            catch (Exception e) when (e is FormatException or ArgumentException)
            {
                error = e.Message;
                return null;
            }

            return new WorkerSettings
            {
                Lease = lease,
                Queues = queues,
                RedisUrl = redisUrl,
                Namespace = Env(PoolVariables.Namespace),
                TermTimeout = TimeSpan.FromSeconds(term),
                PollInterval = TimeSpan.FromSeconds(Seconds(PoolVariables.PollInterval) ?? 1),
                MasterPid = int.TryParse(Env(PoolVariables.MasterPid), out var pid) && pid > 0 ? pid : null,
                MaxJobs = maxJobs,
                JobTimeout = jobTimeout,
                Concurrency = concurrency,
            };
        }

        public static bool TryLogFormat(string? text, out LogFormat format) => LogSetup.TryParseFormat(text, out format);

        private static double? Seconds(string name) =>
            double.TryParse(Env(name), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : null;
    }
}
