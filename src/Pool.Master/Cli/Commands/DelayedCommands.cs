using Pool.Master.Observability;
using System.CommandLine;
using System.Globalization;
using Pool.Protocol.Scheduling;

namespace Pool.Master.Cli.Commands;

/// <summary>
/// `pool-master delayed list|remove`: the delayed jobs in resque-scheduler's format, whoever
/// scheduled them (Pool, Ruby's enqueue_at, resque-retry's retries).
/// </summary>
internal static class DelayedCommands
{
    public static Command Build()
    {
        var delayed = new Command("delayed", "list or cancel delayed jobs (resque-scheduler's delayed queue; schedule one with `enqueue --at/--in`)");
        delayed.Subcommands.Add(BuildList());
        delayed.Subcommands.Add(BuildRemove());
        return delayed;
    }

    private static Command BuildList()
    {
        var limit = new Option<int>("--limit") { Description = "how many to list, earliest first", DefaultValueFactory = _ => 50 };
        UsageErrors.AtLeast(limit, 1);
        var command = AdminContext.WithOptions(new Command("list", "list delayed jobs, earliest first: due time, queue, class, args"));
        command.Options.Add(limit);
        command.SetAction((result, _) => AdminContext.RunAsync(result, "delayed list", async ctx =>
        {
            var queue = new DelayedQueue(ctx.Db, new SchedulerKeys(ctx.Keys));
            var (jobs, seconds) = await queue.CountAsync().ConfigureAwait(false);
            var entries = await queue.ListAsync(Math.Max(0, result.GetValue(limit))).ConfigureAwait(false);
            if (ctx.Json)
            {
                JsonOutput.Write(new
                {
                    Total = jobs,
                    Seconds = seconds,
                    Jobs = entries.Select(e => new { At = Iso(e.At), e.Job?.Queue, e.Job?.Class, Args = e.Job is null ? (System.Text.Json.JsonElement?)null : System.Text.Json.JsonDocument.Parse(e.Job.ArgsJson).RootElement, e.Raw, e.Error }),
                });
                return 0;
            }
            Console.Out.WriteLine($"{TextTable.Plural(jobs, "delayed job", "delayed jobs")} in {TextTable.Plural(seconds, "second", "seconds")}" + (entries.Count < jobs ? $", showing {entries.Count}" : ""));
            if (entries.Count == 0) return 0;
            var table = new TextTable("DUE", "QUEUE", "CLASS", "ARGS");
            foreach (var e in entries)
                table.Add(Iso(e.At), e.Job?.Queue ?? "?", e.Job?.Class ?? "(unreadable)", e.Job?.ArgsJson ?? $"{e.Error}: {e.Raw}");
            Console.Out.Write(table.Render());
            return 0;
        }));
        return command;
    }

    private static Command BuildRemove()
    {
        var queue = new Argument<string>("queue") { Description = "the queue the job was scheduled for" };
        var jobClass = new Argument<string>("class") { Description = "the job's class name" };
        var args = new Argument<string[]>("args") { Description = "the job's arguments, as given to enqueue", Arity = ArgumentArity.ZeroOrMore };
        var command = AdminContext.WithOptions(new Command("remove", "cancel every scheduled copy of one job (class and args must match exactly, as Ruby's remove_delayed)"));
        command.Arguments.Add(queue);
        command.Arguments.Add(jobClass);
        command.Arguments.Add(args);
        command.SetAction((result, _) => AdminContext.RunAsync(result, "delayed remove", async ctx =>
        {
            var removed = await new DelayedQueue(ctx.Db, new SchedulerKeys(ctx.Keys))
                .RemoveDelayedAsync(result.GetValue(queue)!, result.GetValue(jobClass)!, [.. EnqueueCommand.ParseArgs(result.GetValue(args) ?? [])]).ConfigureAwait(false);
            if (ctx.Json) JsonOutput.Write(new { Removed = removed });
            else Console.Out.WriteLine(removed == 0 ? "no such delayed job (nothing removed)" : $"removed {TextTable.Plural(removed, "delayed job", "delayed jobs")}");
            return removed == 0 ? 1 : 0;
        }));
        return command;
    }

    private static string Iso(long at) => DateTimeOffset.FromUnixTimeSeconds(at).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
