using Pool.Master.Config;
using System.Text;
using Pool.Protocol.Scheduling;

namespace Pool.Master.Cli.Commands;

/// <summary>The scheduler's lines in `pool-master status`: who leads, what is scheduled, the due backlog and its lag.</summary>
internal static class SchedulerStatusView
{
    public static Task<SchedulerStatus> ReadAsync(AdminContext ctx) =>
        new SchedulerStatusReader(ctx.Db, new SchedulerKeys(ctx.Keys)).ReadAsync(SettingsResolver.Get(SettingsResolver.ProcessEnvironment(), "RESQUE_SCHEDULER_MASTER_LOCK_PREFIX"));

    public static string Render(SchedulerStatus s)
    {
        var sb = new StringBuilder("\n");
        sb.Append("scheduler: ").Append(s.Leader is { } l ? $"led by {l}" : "NOBODY LEADS (no pool-master with the scheduler on, and no resque-scheduler)").Append('\n');
        sb.Append($"delayed: {TextTable.Plural(s.DelayedJobs, "job", "jobs")} in {TextTable.Plural(s.DelayedSeconds, "second", "seconds")}; ");
        sb.Append(s.DueJobs == 0 ? "none due" : $"{TextTable.Plural(s.DueJobs, "job", "jobs")} due, the oldest {TextTable.Duration(s.Lag)} late");
        sb.Append($"; {s.Retried} automatic retries scheduled so far\n");
        return sb.ToString();
    }

    public static object ToJson(SchedulerStatus s) => new
    {
        s.Leader,
        s.DelayedJobs,
        s.DelayedSeconds,
        s.DueJobs,
        LagSeconds = Math.Round(s.Lag.TotalSeconds, 3),
        s.Retried,
    };
}
