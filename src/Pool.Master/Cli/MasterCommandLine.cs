using System.CommandLine;
using Pool.Logging;
using Pool.Master.Config;
using Pool.Master.Supervision;
using Pool.Protocol.Connection;
using Pool.Settings;
using Pool.Signals;
using Pool.Master.Hosting;

namespace Pool.Master.Cli;

/// <summary>
/// The pool-master command line. `pool-master` alone means `pool-master run`. Every option has
/// an environment variable; the flag wins (see <see cref="SettingsResolver"/>).
/// </summary>
public static class MasterCommandLine
{
    private static readonly Option<string?> ConfigOption = new("--config", "-c")
    { Description = "pool.yml to load [env: POOL_CONFIG, RESQUE_POOL_CONFIG; default: config/pool.yml, pool.yml, config/resque-pool.yml, resque-pool.yml]" };

    private static readonly Option<string?> EnvironmentOption = new("--environment", "-E")
    { Description = "environment section to merge over the defaults [env: POOL_ENV, DOTNET_ENVIRONMENT, RAILS_ENV, RACK_ENV, RESQUE_ENV]" };

    private static readonly Option<string?> WorkerCommandOption = new("--worker-command", "-w")
    { Description = "command each worker runs, split like shell words, no shell [env: POOL_WORKER_COMMAND; default: pool-worker beside pool-master]" };

    private static readonly Option<double?> TermTimeoutOption = new("--term-timeout")
    { Description = "seconds a child gets after TERM before SIGKILL of its group [env: TERM_TIMEOUT, RESQUE_TERM_TIMEOUT; default: 25]" };

    private static readonly Option<string?> RedisOption = new("--redis")
    { Description = "Redis URL: redis://, rediss:// or a StackExchange.Redis configuration string [env: REDIS_URL; default: " + RedisUrl.Default + "]" };

    private static readonly Option<string?> PidFileOption = new("--pidfile")
    { Description = "write the master's pid here; refuse to start if it names a live process [env: POOL_PIDFILE]" };

    private static readonly Option<string?> LogFormatOption = new("--log-format")
    { Description = "text or json, one event per line on stdout [env: POOL_LOG_FORMAT; default: text]" };

    private static readonly Option<string?> HttpOption = new("--http")
    { Description = "serve /status (JSON) and /metrics (Prometheus) on PORT (loopback) or HOST:PORT [env: POOL_HTTP; default: off]" };

    /// <summary>Whether these arguments start the pool (`run`, options only, or nothing), as opposed to check or an admin command.</summary>
    public static bool IsRun(string[] args) => args.Length == 0 || args[0] == "run" || (args[0].StartsWith('-') && args[0] is not ("--help" or "-h" or "-?" or "--version"));

    /// <param name="signals">The signals `run` took over at start; null (tests, other commands) makes `run` take them itself.</param>
    internal static RootCommand Build(SignalInbox? signals = null)
    {
        var root = new RootCommand("pool-master: supervises a pool of Resque-compatible worker processes from pool.yml");
        var run = new Command("run", "start the pool and supervise it until TERM, INT or QUIT (the default command)");
        foreach (var option in RunOptions())
        {
            root.Options.Add(option);
            run.Options.Add(option);
        }
        root.SetAction((result, ct) => RunAsync(result, signals, ct));
        run.SetAction((result, ct) => RunAsync(result, signals, ct));
        root.Subcommands.Add(run);

        var check = new Command("check", "validate the config, run's options and the environment, and print the resolved pool; exit 0 when valid, 1 when not");
        // run's own options: check judges exactly what run would start with them.
        foreach (var option in RunOptions()) check.Options.Add(option);
        check.SetAction(Check);
        root.Subcommands.Add(check);
        Commands.AdminCommands.AddTo(root);
        OptionalArgumentsHelp.Install(root);
        return root;
    }

    private static IEnumerable<Option> RunOptions() =>
        [ConfigOption, EnvironmentOption, WorkerCommandOption, TermTimeoutOption, RedisOption, PidFileOption, LogFormatOption, HttpOption];

    private static int Check(ParseResult result)
    {
        var env = SettingsResolver.ProcessEnvironment();
        try
        {
            var settings = ResolveSettings(result, env);
            // run logs a bad scheduler variable and runs on without the scheduler (no delayed job,
            // retry or schedule entry moves): for check that is an error, not a pass.
            _ = Scheduling.SchedulerOptions.FromEnvironment(env);
            var (config, plan) = Capacity.CapacityPlan.Resolve(GroupConcurrency.Resolve(ConfigLoader.Load(settings.ConfigPath, settings.Environment, env), settings.WorkerCommand, env), new Capacity.MemoryLimitReader().Read());
            WorkerCommandCheck.Require(config, settings.WorkerCommand, env, Environment.CurrentDirectory);
            var loaded = new Dictionary<string, string>(StringComparer.Ordinal);
            var jobs = JobLoadCheck.Require(config, settings.WorkerCommand, env, Environment.CurrentDirectory, byCommand: loaded);
            var classWarnings = ScheduleTargets.ClassProblems(config, settings.WorkerCommand, loaded);
            foreach (var warning in config.Warnings.Concat(classWarnings)) Console.Error.WriteLine("pool-master check: warning: " + warning);
            Console.Out.Write(ConfigPrinter.Describe(config) + Capacity.CapacityPrinter.Describe(plan) + ConfigPrinter.DescribeJobs(jobs));
            return 0;
        }
        catch (Exception e) when (e is ConfigException or FileNotFoundException or FormatException or ArgumentException or ArithmeticException)
        {
            Console.Error.WriteLine("pool-master check: " + OneLine(e.Message));
            return 1;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A bug of ours, not the file's; still one line, so `check` never prints a stack trace.
            Console.Error.WriteLine($"pool-master check: unexpected {e.GetType().Name}: {OneLine(e.Message)}");
            return 1;
        }
    }

    private static string OneLine(string message) => message.Split('\n')[0].Trim();

    private static async Task<int> RunAsync(ParseResult result, SignalInbox? signals, CancellationToken ct)
    {
        var env = SettingsResolver.ProcessEnvironment();
        MasterSettings settings;
        try
        {
            settings = ResolveSettings(result, env);
        }
        catch (Exception e) when (e is FileNotFoundException or FormatException or ArgumentException or ArithmeticException)
        {
            Console.Error.WriteLine("pool-master: " + OneLine(e.Message));
            return 1;
        }

        using var log = LogSetup.Create(settings.LogFormat, "master");
        CrashLog.Install(log, "its workers notice within a second and stop gracefully; restart pool-master, and report the line above as a bug");
        using var own = signals is null ? new SignalInbox(SignalNames.MasterHandles) : null;
        return await MasterHost.RunAsync(settings, env, log, signals ?? own!, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// What run starts with, from its flags and the environment; check resolves the same. Every
    /// variable the master or its workers read is judged here, so a value `check` accepts is one
    /// `run` and the workers accept.
    /// </summary>
    /// <exception cref="FormatException">A flag or variable is malformed; the message names it.</exception>
    private static MasterSettings ResolveSettings(ParseResult result, IReadOnlyDictionary<string, string?> env)
    {
        var formatRaw = result.GetValue(LogFormatOption) ?? SettingsResolver.Get(env, PoolVariables.LogFormat);
        if (!LogSetup.TryParseFormat(formatRaw, out var format))
            throw new FormatException($"--log-format / {PoolVariables.LogFormat} '{formatRaw}' is not text or json");
        var settings = new MasterSettings
        {
            ConfigPath = SettingsResolver.ResolveConfigPath(result.GetValue(ConfigOption), env, Environment.CurrentDirectory),
            Environment = SettingsResolver.ResolveEnvironment(result.GetValue(EnvironmentOption), env),
            EnvironmentFromFlag = result.GetValue(EnvironmentOption) is not null,
            WorkerCommand = SettingsResolver.ResolveWorkerCommand(result.GetValue(WorkerCommandOption), env),
            TermTimeout = SettingsResolver.ResolveTermTimeout(result.GetValue(TermTimeoutOption), env),
            KillGrace = SettingsResolver.ResolveKillGrace(env),
            Lease = SettingsResolver.ResolveLease(env),
            MaxAttempts = SettingsResolver.ResolveMaxAttempts(env),
            RedisUrl = SettingsResolver.ResolveCheckedRedisUrl(result.GetValue(RedisOption), env),
            PidFile = SettingsResolver.ResolvePidFile(result.GetValue(PidFileOption), env, Environment.CurrentDirectory),
            LogFormat = format,
            TermChild = SettingsResolver.ResolveTermChild(env),
            Namespace = SettingsResolver.ResolveNamespace(env),
            Http = result.GetValue(HttpOption) ?? SettingsResolver.Get(env, "POOL_HTTP"),
        };
        if (settings.Http is { } http)
        {
            _ = Observability.HttpAddress.Parse(http);
            // Auth that is asked for but cannot work stops the start: left off, it would leave
            // /status (job arguments) and /metrics open where the user meant them closed.
            _ = Web.DashboardOptions.Resolve(settings.RedisUrl, settings.Namespace, null, null, null, env, Environment.ProcessId);
        }
        _ = SupervisorOptions.FromEnvironment(env);
        SettingsResolver.RequireWorkerVariables(env);
        return settings;
    }
}
