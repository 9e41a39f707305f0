using System.Globalization;
using Pool.Protocol.Connection;
using Pool.Protocol.Working;
using Pool.Settings;

namespace Pool.Master.Config;

/// <summary>
/// The precedence rules from DESIGN.md: a flag, then its environment variable, then a default.
/// Takes the environment as a dictionary so tests can drive it without touching the process's own.
/// </summary>
public static class SettingsResolver
{
    /// <summary>Pool's names, then resque-pool's, so a resque-pool app runs without renaming its file.</summary>
    public static readonly string[] ConfigCandidates = ["config/pool.yml", "pool.yml", "config/resque-pool.yml", "resque-pool.yml"];

    /// <summary>The variables that name the config file: Pool's, then resque-pool's.</summary>
    public static readonly string[] ConfigVariables = ["POOL_CONFIG", "RESQUE_POOL_CONFIG"];
    public static readonly string[] EnvironmentVariables = ["POOL_ENV", "DOTNET_ENVIRONMENT", "RAILS_ENV", "RACK_ENV", "RESQUE_ENV"];

    public static string? Get(IReadOnlyDictionary<string, string?> env, string name) =>
        env.TryGetValue(name, out var v) && !string.IsNullOrWhiteSpace(v) ? v : null;

    /// <summary>--config, then POOL_CONFIG, then config/pool.yml, then pool.yml (relative to the working directory).</summary>
    public static string ResolveConfigPath(string? flag, IReadOnlyDictionary<string, string?> env, string workingDirectory)
    {
        if (flag is not null) return Path.GetFullPath(flag, workingDirectory);
        if (ConfigVariables.Select(name => Get(env, name)).FirstOrDefault(v => v is not null) is { } fromEnv) return Path.GetFullPath(fromEnv, workingDirectory);
        foreach (var candidate in ConfigCandidates)
        {
            var full = Path.GetFullPath(candidate, workingDirectory);
            if (File.Exists(full)) return full;
        }
        throw new FileNotFoundException(
            $"no pool config found: looked for {string.Join(" and ", ConfigCandidates)} in {workingDirectory}; pass --config PATH or set POOL_CONFIG");
    }

    /// <summary>--environment, then POOL_ENV, DOTNET_ENVIRONMENT, RAILS_ENV, RACK_ENV, RESQUE_ENV.</summary>
    public static string? ResolveEnvironment(string? flag, IReadOnlyDictionary<string, string?> env) =>
        flag ?? EnvironmentVariables.Select(n => Get(env, n)).FirstOrDefault(v => v is not null);

    /// <summary>
    /// What selected <paramref name="environment"/>, for messages: the first of
    /// <see cref="EnvironmentVariables"/> that is set, when it holds that value (RAILS_ENV=production), else --environment.
    /// </summary>
    public static string EnvironmentSource(string environment, IReadOnlyDictionary<string, string?> env) =>
        EnvironmentVariables.Select(n => (Name: n, Value: Get(env, n))).FirstOrDefault(v => v.Value is not null) is { Value: { } value } first && value == environment
            ? $"{first.Name}={value}"
            : $"--environment {environment}";

    /// <summary>--term-timeout, then TERM_TIMEOUT, then RESQUE_TERM_TIMEOUT, then 25 s.</summary>
    public static TimeSpan ResolveTermTimeout(double? flag, IReadOnlyDictionary<string, string?> env)
    {
        if (flag is { } f) return InRange(f, "--term-timeout", SecondsRange.TermTimeout);
        foreach (var name in new[] { PoolVariables.TermTimeout, PoolVariables.ResqueTermTimeout })
        {
            if (Get(env, name) is { } raw) return Seconds(raw, name, SecondsRange.TermTimeout, "25");
        }
        return TimeSpan.FromSeconds(25);
    }

    /// <summary>
    /// --pidfile, then POOL_PIDFILE, then none. A path run could not create (its directory is
    /// missing or is not a directory, or the path is itself a directory) is refused here, so
    /// `check` refuses it too rather than passing a pidfile `run` then cannot write.
    /// </summary>
    /// <exception cref="FormatException">The pidfile cannot be created where it is named; the message names the flag or variable.</exception>
    public static string? ResolvePidFile(string? flag, IReadOnlyDictionary<string, string?> env, string workingDirectory)
    {
        var source = flag is not null ? "--pidfile" : "POOL_PIDFILE";
        var raw = flag ?? Get(env, "POOL_PIDFILE");
        if (raw is null) return null;
        var full = Path.GetFullPath(raw, workingDirectory);
        if (Directory.Exists(full) || raw.EndsWith('/'))
            throw new FormatException($"{source} '{raw}' is a directory, not a file; name the file, e.g. {Path.Combine(full, "pool-master.pid")}");
        var directory = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(directory))
            throw new FormatException(File.Exists(directory)
                ? $"{source} '{raw}': {directory} is a file, not a directory, so the pidfile cannot be created; name a file in an existing directory"
                : $"{source} '{raw}': the directory {directory} does not exist, so the pidfile cannot be created; create it (mkdir -p {directory}) or name a file in an existing directory");
        return raw;
    }

    public static TimeSpan ResolveKillGrace(IReadOnlyDictionary<string, string?> env) =>
        Get(env, "POOL_KILL_GRACE") is { } raw ? Seconds(raw, "POOL_KILL_GRACE", SecondsRange.KillGrace, "1") : TimeSpan.FromSeconds(1);

    /// <summary>A variable's number of seconds, or a one-line error that names it, its range and an example.</summary>
    internal static TimeSpan Seconds(string raw, string name, SecondsRange range, string example) =>
        range.TryParse(raw, out var value)
            ? value
            : throw new FormatException($"{name}='{raw}' {range.Requirement(raw)}; set it to e.g. {example}");

    /// <summary>The pool-worker shipped beside pool-master: the default worker command's program.</summary>
    internal static string WorkerBesideMaster => Path.Combine(AppContext.BaseDirectory, "pool-worker");

    /// <summary>
    /// --worker-command, then POOL_WORKER_COMMAND, then pool-worker beside pool-master with
    /// "--procline resque-0:pool-worker", which only shows in ps: it keeps a Ruby Resque worker on
    /// this host from pruning Pool's workers (see pool-worker's --procline).
    /// </summary>
    public static IReadOnlyList<string> ResolveWorkerCommand(string? flag, IReadOnlyDictionary<string, string?> env)
    {
        var raw = flag ?? Get(env, "POOL_WORKER_COMMAND");
        if (raw is null) return [WorkerBesideMaster, "--procline", Pool.Protocol.Recovery.WorkerIdentity.RubyVisibleProcline];
        var argv = ShellWords.Split(raw);
        if (argv.Count == 0 || argv[0].Length == 0) throw new FormatException("the worker command names no program; pass --worker-command CMD or unset POOL_WORKER_COMMAND");
        return argv;
    }

    public static string ResolveRedisUrl(string? flag, IReadOnlyDictionary<string, string?> env) =>
        flag ?? Get(env, PoolVariables.RedisUrl) ?? RedisUrl.Default;

    /// <summary>
    /// The Redis URL <see cref="ResolveRedisUrl"/> gives, checked: a bad one is a FormatException
    /// that names where it came from (--redis or REDIS_URL), so the user knows which to fix.
    /// </summary>
    public static string ResolveCheckedRedisUrl(string? flag, IReadOnlyDictionary<string, string?> env)
    {
        var url = ResolveRedisUrl(flag, env);
        _ = RedisUrl.Parse(url, flag is null ? PoolVariables.RedisUrl : "--redis");
        return url;
    }

    public static bool ResolveTermChild(IReadOnlyDictionary<string, string?> env) =>
        Get(env, PoolVariables.TermChild) is not { } v || v.Trim() != "0";

    public static string ResolveNamespace(IReadOnlyDictionary<string, string?> env) =>
        Get(env, PoolVariables.Namespace) ?? "resque";

    public static IReadOnlyDictionary<string, string?> ProcessEnvironment() =>
        System.Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value, StringComparer.Ordinal);

    /// <summary>POOL_MAX_ATTEMPTS, then 3: how many deaths while running a job make it poison.</summary>
    public static int ResolveMaxAttempts(IReadOnlyDictionary<string, string?> env) =>
        PoolVariables.MaxAttemptsFrom(Get(env, PoolVariables.MaxAttempts)) ?? Pool.Protocol.Recovery.RedisMasterStore.DefaultMaxAttempts;

    /// <summary>The variables the workers read (POOL_CONCURRENCY, POOL_MAX_JOBS, ...) judged by their own rules, before any worker inherits them.</summary>
    /// <exception cref="FormatException">One is malformed; the message names it, what it must be and its value.</exception>
    public static void RequireWorkerVariables(IReadOnlyDictionary<string, string?> env)
    {
        if ((Pool.Settings.WorkerVariableRules.FirstProblem(name => Get(env, name), Pool.Protocol.Recovery.WorkerLanes.MaxConcurrency)
             ?? Pool.Protocol.Retries.RetryPolicy.Problem(Get(env, PoolVariables.Retries), Get(env, PoolVariables.RetryDelays))) is { } problem)
            throw new FormatException(problem);
    }

    /// <summary>POOL_LEASE (seconds), then <see cref="WorkerLease.Default"/>.</summary>
    public static TimeSpan ResolveLease(IReadOnlyDictionary<string, string?> env)
    {
        var lease = WorkerLease.Parse(Get(env, PoolVariables.Lease), out var error);
        return error is null ? lease : throw new FormatException(error);
    }

    private static TimeSpan InRange(double seconds, string name, SecondsRange range) =>
        range.Contains(seconds)
            ? TimeSpan.FromSeconds(seconds)
            : throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"{name} {range.Requirement(seconds)}, not {seconds}"));
}
