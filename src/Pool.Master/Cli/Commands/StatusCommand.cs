using System.CommandLine;
using System.Text;
using Pool.Protocol.Admin;
using Pool.Master.Observability;

namespace Pool.Master.Cli.Commands;

/// <summary>`pool-master status`: queues, workers on every host, pause state and totals of one namespace.</summary>
internal static class StatusCommand
{
    public static Command Build()
    {
        var command = AdminContext.WithOptions(new Command("status",
            "show queues and their lengths, workers on all hosts with their current job, pause state, and processed/failed totals"));
        command.SetAction((result, _) => AdminContext.RunAsync(result, "status", async ctx =>
        {
            var status = await new PoolStatusReader(ctx.Db, ctx.Keys).ReadAsync().ConfigureAwait(false);
            var capacity = await Capacity.CapacityBoard.ReadAsync(ctx.Db, ctx.Keys, DateTimeOffset.UtcNow).ConfigureAwait(false);
            // The scheduler's part (Scheduling/SchedulerStatusView.cs).
            var scheduler = await SchedulerStatusView.ReadAsync(ctx).ConfigureAwait(false);
            // Each master's own pause (USR2, WINCH), which Resque's keys do not show.
            var pausing = PausingMasters(await new MasterRegistry(ctx.Db, ctx.Keys).ReadAsync().ConfigureAwait(false));
            if (ctx.Json) JsonOutput.Write(ToJson(status, ctx.Keys.Namespace, capacity, SchedulerStatusView.ToJson(scheduler), pausing));
            else Console.Out.Write(Render(status, ctx.Keys.Namespace, pausing) + Capacity.CapacityBoard.Render(capacity) + SchedulerStatusView.Render(scheduler));
            return 0;
        }));
        return command;
    }

    /// <summary>The masters whose snapshot says they hold their workers paused (USR2) or stopped (WINCH).</summary>
    internal static IReadOnlyList<MasterRecord> PausingMasters(IEnumerable<MasterRecord> masters) =>
        masters.Where(m => m.State is "workers-paused" or "paused").ToList();

    /// <summary>
    /// One line per master that holds its workers paused (USR2, until CONT) or stopped (WINCH,
    /// until HUP). Neither is in Resque's keys, so status said "no global pause" and listed the
    /// workers as idle while jobs waited in their queues.
    /// </summary>
    internal static string MasterPauses(IEnumerable<MasterRecord> pausing)
    {
        var sb = new StringBuilder();
        foreach (var m in pausing)
        {
            var id = Pool.Logging.LogValueSanitizer.Clean(m.Id, TextTable.MaxCell);
            sb.Append(m.State == "paused"
                ? $"paused: master {id} stopped its workers (WINCH); it starts them again on HUP (kill -HUP {m.Pid} on its host)\n"
                : $"paused: master {id} holds its workers paused (USR2): they take no new jobs until CONT (kill -CONT {m.Pid} on its host)\n");
        }
        return sb.ToString();
    }

    internal static string Render(PoolStatus s, string ns, IReadOnlyList<MasterRecord>? pausing = null)
    {
        var sb = new StringBuilder();
        // Lanes of one process ("web1~2") are on its machine, not hosts of their own.
        var hosts = s.Workers.Select(w => Pool.Protocol.Recovery.WorkerLanes.MachineOf(w.Host)).Distinct().Count();
        sb.Append($"namespace {ns}: {TextTable.Plural(s.Queues.Count, "queue", "queues")}, {TextTable.Plural(s.Queues.Sum(q => q.Length), "job", "jobs")} waiting\n");
        sb.Append("paused: ").Append(s.Pause.All ? "ALL WORKERS (pause-all-workers)" : "no global pause");
        // Names from Redis, escaped as the tables escape them: a paused "new\nline" stays on this line.
        if (s.Pause.Queues.Count > 0) sb.Append("; queues ").Append(string.Join(',', s.Pause.Queues.Select(q => Pool.Logging.LogValueSanitizer.Clean(q, TextTable.MaxCell))));
        sb.Append('\n');
        if (pausing is not null) sb.Append(MasterPauses(pausing));
        sb.Append($"processed {s.Processed}, failed {s.Failed} ({TextTable.Plural(s.FailedListLength, "entry", "entries")} in the failed list)\n\n");

        if (s.Queues.Count > 0)
        {
            var queues = new TextTable("QUEUE", "JOBS", "STATE").AlignRight(1);
            foreach (var q in s.Queues) queues.Add(q.Name, q.Length.ToString(), q.Paused || s.Pause.All ? "paused" : "");
            sb.Append(queues.Render()).Append('\n');
        }

        sb.Append($"{TextTable.Plural(s.Workers.Count, "worker", "workers")} on {TextTable.Plural(hosts, "host", "hosts")}, {s.Workers.Count(w => w.Job is not null)} busy\n");
        if (s.Workers.Count > 0)
        {
            var workers = new TextTable("HOST", "PID", "QUEUES", "KIND", "JOB", "RUNNING").AlignRight(1);
            foreach (var w in s.Workers.OrderBy(w => Pool.Protocol.Recovery.WorkerLanes.MachineOf(w.Host), StringComparer.Ordinal).ThenBy(w => w.Pid).ThenBy(w => w.Host, StringComparer.Ordinal))
            {
                var kind = w.Pool ? (w.LeaseAlive ? "pool" : "pool (lease expired)") : "foreign";
                var job = w.Job is { } j ? $"{j.Class ?? "?"} on {j.Queue}" : "idle";
                workers.Add(w.Host, w.Pid?.ToString() ?? "?", w.Queues, kind, job, w.Job is { } jj ? TextTable.Duration(jj.RunFor) : "");
            }
            sb.Append(workers.Render());
        }
        return sb.ToString();
    }

    private static object ToJson(PoolStatus s, string ns, IReadOnlyList<Capacity.CapacityJson> masters, object? scheduler, IReadOnlyList<MasterRecord> pausing) => new
    {
        Namespace = ns,
        At = s.At,
        Queues = s.Queues.Select(q => new { q.Name, q.Length, q.Paused }),
        Workers = s.Workers.Select(w => new
        {
            w.Id, w.Host, w.Pid, w.Queues, Kind = w.Pool ? "pool" : "foreign", w.LeaseAlive,
            Job = w.Job is { } j ? new { j.Queue, j.Class, Args = j.Args, j.RunAt, RunSeconds = j.RunFor?.TotalSeconds } : null,
        }),
        Paused = new { s.Pause.All, s.Pause.Queues, Masters = pausing.Select(m => new { m.Id, m.State }) },
        s.Processed,
        s.Failed,
        FailedListLength = s.FailedListLength,
        // Memory budget and autoscaling of each running master (see Capacity.CapacityBoard).
        Masters = masters,
        Scheduler = scheduler,
    };
}
