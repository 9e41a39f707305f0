using Microsoft.AspNetCore.Builder;
using Pool.Master.Config;
using Pool.Master.Observability;
using Serilog;

namespace Pool.Master.Web;

/// <summary>
/// The dashboard inside `pool-master run --http`, beside /status and /metrics. Auth and
/// read-only come from POOL_WEB_AUTH, POOL_WEB_TOKEN / POOL_WEB_CREDENTIALS and POOL_WEB_READ_ONLY.
/// A setting that is wrong, or a non-loopback address without auth, leaves the dashboard off
/// with one warning: the master's supervision never depends on it.
/// </summary>
internal static class DashboardHook
{
    /// <summary>Said once the address is bound, so a taken port is not first announced as served.</summary>
    public static void Announce(Dashboard dashboard, HttpAddress address, ILogger log) =>
        log.Information("serving the dashboard on {Url:l}{PathBase:l} (auth {Auth:l}{ReadOnly:l})", address.ToString(), dashboard.Options.PathBase.TrimStart('/'),
            dashboard.Options.Auth.ToString().ToLowerInvariant(), dashboard.Options.ReadOnly ? ", read-only" : "");

    public static Dashboard? TryMount(WebApplication app, HttpAddress address, string redisUrl, string ns, ILogger log)
    {
        try
        {
            var options = DashboardOptions.Resolve(redisUrl, ns, null, null, null, SettingsResolver.ProcessEnvironment(), Environment.ProcessId) with
            {
                Recurring = new RecurringSource(() => Scheduling.SchedulerHost.Current is { } host ? [.. host.Schedule, .. host.RubySchedule] : null,
                    "this master's pool.yml (as of its last HUP), and the entries Ruby keeps in persistent_schedules that it fires while it leads the scheduler"),
            };
            if (options.RefusalFor(address) is { } refusal)
            {
                log.Warning("dashboard off: {Reason}", refusal);
                return null;
            }
            return Dashboard.Mount(app, options, log);
        }
        catch (FormatException e)
        {
            log.Warning("dashboard off: {Reason}", e.Message);
            return null;
        }
    }
}
