using System.CommandLine;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Builder;
using Pool.Logging;
using Pool.Master.Config;
using Pool.Master.Cli.Commands;
using Pool.Master.Observability;

namespace Pool.Master.Web;

/// <summary>
/// `pool-master web`: the dashboard on its own, like resque-web, for a host that runs no master
/// or for people who should not reach a master's port. Runs until INT or TERM.
/// </summary>
internal static class WebCommand
{
    public const string DefaultAddress = "127.0.0.1:5678";

    private static readonly Option<string?> HttpOption = new("--http")
    { Description = "where to serve: PORT (loopback) or HOST:PORT; without --auth only a loopback address [env: POOL_WEB_HTTP; default: " + DefaultAddress + "]" };

    private static readonly Option<string?> AuthOption = new("--auth")
    { Description = "none, token (secret in " + DashboardOptions.TokenEnv + ") or basic (user:password in " + DashboardOptions.CredentialsEnv + ") [env: " + DashboardOptions.AuthEnv + "; default: none]" };

    private static readonly Option<bool> ReadOnlyOption = new("--read-only")
    { Description = "show everything, change nothing: the server refuses every POST [env: " + DashboardOptions.ReadOnlyEnv + "=1]" };

    private static readonly Option<string?> PathBaseOption = new("--path-base")
    { Description = "serve under this path, e.g. /pool behind a reverse proxy that keeps the prefix [env: " + DashboardOptions.PathBaseEnv + "]" };

    public static Command Build()
    {
        var command = AdminContext.WithOptions(new Command("web", "serve the web dashboard (queues, workers, masters, failed, scheduled, retries, recurring) until INT or TERM"), json: false);
        command.Options.Add(HttpOption);
        command.Options.Add(AuthOption);
        command.Options.Add(ReadOnlyOption);
        command.Options.Add(PathBaseOption);
        command.Options.Add(ScheduleCommands.ConfigOption);
        command.Options.Add(ScheduleCommands.EnvironmentOption);
        command.SetAction((result, ct) => RunAsync(result, ct));
        return command;
    }

    /// <summary>
    /// The Recurring page's entries: pool.yml's schedule, read once at start. A file named by
    /// --config or POOL_CONFIG must load; without either, a missing default file just means the
    /// page has no schedule to show.
    /// </summary>
    private static RecurringSource? RecurringFrom(ParseResult result, IReadOnlyDictionary<string, string?> env)
    {
        var named = result.GetValue(ScheduleCommands.ConfigOption) is not null || SettingsResolver.Get(env, "POOL_CONFIG") is not null;
        try
        {
            var (entries, path) = ScheduleCommands.LoadWithPath(result);
            return new RecurringSource(() => entries, Path.GetRelativePath(Environment.CurrentDirectory, path) + " (read when pool-master web started)");
        }
        catch (FileNotFoundException) when (!named)
        {
            return null;
        }
    }

    private static Task NotFoundAsync(Microsoft.AspNetCore.Http.HttpContext context) => PageRunner.WriteTextAsync(context, 404, "not found\n");

    private static async Task<int> RunAsync(ParseResult result, CancellationToken ct)
    {
        var env = SettingsResolver.ProcessEnvironment();
        HttpAddress address;
        DashboardOptions options;
        try
        {
            var url = SettingsResolver.ResolveCheckedRedisUrl(result.GetValue(AdminContext.RedisOption), env);
            var ns = result.GetValue(AdminContext.NamespaceOption) ?? SettingsResolver.ResolveNamespace(env);
            address = HttpAddress.Parse(result.GetValue(HttpOption) ?? SettingsResolver.Get(env, "POOL_WEB_HTTP") ?? DefaultAddress);
            options = DashboardOptions.Resolve(url, ns, result.GetValue(AuthOption), result.GetValue(ReadOnlyOption) ? true : null,
                result.GetValue(PathBaseOption), env, localMasterPid: null);
            if (options.RefusalFor(address) is { } refusal) throw new FormatException(refusal);
            options = options with { Recurring = RecurringFrom(result, env) };
        }
        catch (Exception e) when (e is FormatException or ArgumentException or ConfigException or FileNotFoundException)
        {
            return AdminContext.Fail("web", e.Message);
        }

        using var log = LogSetup.Create(LogFormat.Text, "web");
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
        using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
        var app = MasterHttpServer.Build(address);
        await using (app.ConfigureAwait(false))
        {
            var dashboard = Dashboard.Mount(app, options, log);
            await using (dashboard.ConfigureAwait(false))
            {
                ((IApplicationBuilder)app).Run(NotFoundAsync);
                try
                {
                    await app.StartAsync(stop.Token).ConfigureAwait(false);
                }
                catch (IOException e)
                {
                    return AdminContext.Fail("web", $"cannot serve on {address}: {e.Message}");
                }
                log.Information("serving the dashboard on {Url:l} (Redis {Redis:l}, auth {Auth:l}{ReadOnly:l})", address + options.PathBase.TrimStart('/'),
                    Protocol.Connection.RedisUrl.Redact(options.RedisUrl), options.Auth.ToString().ToLowerInvariant(), options.ReadOnly ? ", read-only" : "");
                try
                {
                    await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }
                using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await app.StopAsync(deadline.Token).ConfigureAwait(false);
                log.Information("pool-master web stopped");
            }
        }
        return 0;
    }
}
