using Pool.Master.Observability;
using System.CommandLine;
using Pool.Master.Config;
using Pool.Master.Scheduling;
using Pool.Protocol.Scheduling;

namespace Pool.Master.Cli.Commands;

/// <summary>
/// `pool-master schedule list|run NAME`: pool.yml's recurring entries with their next and last
/// run (the last from Redis, whichever master fired it), and one run now, outside the schedule.
/// </summary>
internal static class ScheduleCommands
{
    internal static readonly Option<string?> ConfigOption = new("--config", "-c")
    { Description = "pool.yml with the schedule: section [env: POOL_CONFIG, RESQUE_POOL_CONFIG; default: config/pool.yml, pool.yml, config/resque-pool.yml, resque-pool.yml]" };

    internal static readonly Option<string?> EnvironmentOption = new("--environment", "-E")
    { Description = "environment section [env: POOL_ENV, ...]" };

    public static Command Build()
    {
        var schedule = new Command("schedule", "list the recurring schedule (pool.yml's, and Ruby's in persistent_schedules) with next and last runs, or run one entry now");
        schedule.Subcommands.Add(BuildList());
        schedule.Subcommands.Add(BuildRun());
        return schedule;
    }

    private static Command WithConfig(Command command)
    {
        command.Options.Add(ConfigOption);
        command.Options.Add(EnvironmentOption);
        return AdminContext.WithOptions(command);
    }

    /// <summary>pool.yml's entries, then the Ruby entries in persistent_schedules that the leading master fires beside them.</summary>
    private static async Task<IReadOnlyList<ScheduleEntry>> LoadAsync(ParseResult result, AdminContext ctx)
    {
        var entries = LoadWithPath(result).Entries;
        var (persistent, published) = await new RecurringStore(ctx.Db, new SchedulerKeys(ctx.Keys)).RubySchedulesAsync().ConfigureAwait(false);
        var environment = SettingsResolver.ResolveEnvironment(result.GetValue(EnvironmentOption), SettingsResolver.ProcessEnvironment());
        var ruby = RubySchedules.Read(persistent, published, entries, TimeZoneInfo.Local, environment).Where(f => f.Entry is not null).Select(f => f.Entry!);
        return [.. entries, .. ruby];
    }

    /// <summary>The schedule of the pool.yml that --config, POOL_CONFIG or the default places name, and that file's path.</summary>
    internal static (IReadOnlyList<ScheduleEntry> Entries, string Path) LoadWithPath(ParseResult result)
    {
        var env = SettingsResolver.ProcessEnvironment();
        var path = SettingsResolver.ResolveConfigPath(result.GetValue(ConfigOption), env, Environment.CurrentDirectory);
        return (ConfigLoader.Load(path, SettingsResolver.ResolveEnvironment(result.GetValue(EnvironmentOption), env), env).Schedule, path);
    }

    private static Command BuildList()
    {
        var command = WithConfig(new Command("list", "each entry: when, queue, class, args, next run, last run"));
        command.SetAction((result, _) => Guarded(result, "schedule list", async ctx =>
        {
            var entries = await LoadAsync(result, ctx).ConfigureAwait(false);
            var store = new RecurringStore(ctx.Db, new SchedulerKeys(ctx.Keys));
            var fired = await store.LastFiresAsync().ConfigureAwait(false);
            var enqueued = await store.LastEnqueuedAsync().ConfigureAwait(false);
            var now = DateTimeOffset.UtcNow;
            var rows = entries.Select(e => new
            {
                e.Name,
                When = e.Recurrence.Describe(),
                e.Queue,
                e.Class,
                Args = e.ArgsJson,
                Next = e.Recurrence.Next(now) is { } n ? Iso.Format(n) : null,
                LastOccurrence = fired.TryGetValue(e.Name, out var f) ? Iso.Format(f) : null,
                LastEnqueued = enqueued.GetValueOrDefault(e.Name),
                Missed = e.Missed.ToString().ToLowerInvariant(),
                e.Description,
                Source = e.FromRuby ? "persistent_schedules" : "pool.yml",
            }).ToList();
            if (ctx.Json)
            {
                JsonOutput.Write(rows);
                return 0;
            }
            Console.Out.WriteLine($"{TextTable.Plural(rows.Count, "schedule entry", "schedule entries")}");
            if (rows.Count == 0) return 0;
            var table = new TextTable("NAME", "WHEN", "QUEUE", "CLASS", "ARGS", "NEXT", "LAST", "MISSED");
            foreach (var r in rows) table.Add(r.Source == "pool.yml" ? r.Name : r.Name + " (Ruby's)", r.When, r.Queue, r.Class, r.Args, r.Next ?? "never", LastRun(r.LastEnqueued) ?? r.LastOccurrence ?? "never", r.Missed);
            Console.Out.Write(table.Render());
            return 0;
        }));
        return command;
    }

    /// <summary>
    /// delayed:last_enqueued_at's Ruby Time#to_s text in the ISO form NEXT uses (that column and
    /// this one showed two formats, and a Ruby writer's local zone besides); other text as it is.
    /// </summary>
    private static string? LastRun(string? enqueued) =>
        enqueued is null ? null : RecurringStore.ParseRubyTimeToS(enqueued) is { } t ? Iso.Format(t) : enqueued;

    private static Command BuildRun()
    {
        var name = new Argument<string>("name") { Description = "the entry's name in pool.yml's schedule:" };
        var command = WithConfig(new Command("run", "enqueue one entry's job now (its schedule is not changed)"));
        command.Arguments.Add(name);
        command.SetAction((result, _) => Guarded(result, "schedule run", async ctx =>
        {
            var wanted = result.GetValue(name)!;
            var entries = await LoadAsync(result, ctx).ConfigureAwait(false);
            if (entries.FirstOrDefault(e => e.Name == wanted) is not { } entry)
                return AdminContext.Fail("schedule run", $"no schedule entry named '{wanted}'" + (entries.Count == 0 ? " (the config has no schedule: section)" : $"; entries: {string.Join(", ", entries.Select(e => e.Name))}"));
            await new RecurringStore(ctx.Db, new SchedulerKeys(ctx.Keys)).RunNowAsync(entry.Name, entry.Queue, entry.Payload, DateTimeOffset.UtcNow).ConfigureAwait(false);
            if (ctx.Json) JsonOutput.Write(new { entry.Name, entry.Queue, Payload = System.Text.Json.JsonDocument.Parse(entry.Payload).RootElement });
            else Console.Out.WriteLine($"enqueued {entry.Payload} on {entry.Queue} (schedule {entry.Name}, run now)");
            return 0;
        }));
        return command;
    }

    /// <summary>Config errors are one line too, like every admin error.</summary>
    private static Task<int> Guarded(ParseResult result, string name, Func<AdminContext, Task<int>> body) =>
        AdminContext.RunAsync(result, name, async ctx =>
        {
            try
            {
                return await body(ctx).ConfigureAwait(false);
            }
            catch (Exception e) when (e is ConfigException or FileNotFoundException)
            {
                return AdminContext.Fail(name, e.Message);
            }
        });
}
