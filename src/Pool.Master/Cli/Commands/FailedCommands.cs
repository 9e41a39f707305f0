using System.CommandLine;
using Pool.Protocol.Admin;
using Pool.Master.Observability;

namespace Pool.Master.Cli.Commands;

/// <summary>
/// `pool-master failed list|show N|retry N|retry --all|remove N|clear`: Resque's failed list.
/// N is the 0-based index resque-web shows. Every change is atomic and keyed on the entry's
/// text, so it is safe while workers run.
/// </summary>
internal static class FailedCommands
{
    public static Command Build()
    {
        var failed = new Command("failed", "list, show, retry or remove failed jobs (Resque's failed list; N is 0-based as in resque-web)");
        failed.Subcommands.Add(BuildList());
        failed.Subcommands.Add(BuildShow());
        failed.Subcommands.Add(BuildRetry());
        failed.Subcommands.Add(BuildRemove());
        failed.Subcommands.Add(BuildClear());
        return failed;
    }

    private static Argument<long> IndexArgument(string what) =>
        NonNegative(new Argument<long>("N") { Description = $"0-based index of the failed job to {what}" });

    /// <summary>
    /// Refused at parse time, before Redis is reached: Redis reads a negative index from the end,
    /// so `retry -1` acted on the last entry.
    /// </summary>
    private static Argument<T> NonNegative<T>(Argument<T> argument)
    {
        argument.Validators.Add(result =>
        {
            if (result.Tokens.Count == 1 && result.Tokens[0].Value.StartsWith('-'))
                result.AddError($"N must be 0 or more (the 0-based index `pool-master failed list` shows), got {result.Tokens[0].Value}");
        });
        return argument;
    }

    /// <summary>An index past the end is an error on stderr, with the list's size.</summary>
    private static async Task<int> NoSuchIndex(AdminContext ctx, string name, long n)
    {
        var count = await new FailedJobs(ctx.Db, ctx.Keys).CountAsync().ConfigureAwait(false);
        var range = count == 0 ? "the failed list is empty" : $"the failed list has {TextTable.Plural(count, "job", "jobs")}, 0 to {count - 1}";
        return AdminContext.Fail(name, $"no failed job at index {n}: {range}; see `pool-master failed list`");
    }

    private static Command BuildList()
    {
        var offset = new Option<long>("--offset") { Description = "first index to list", DefaultValueFactory = _ => 0 };
        var limit = new Option<long>("--limit") { Description = "how many to list", DefaultValueFactory = _ => 50 };
        UsageErrors.AtLeast(offset, 0);
        UsageErrors.AtLeast(limit, 1);
        var command = AdminContext.WithOptions(new Command("list", "list failed jobs: index, when, queue, class, exception"));
        command.Options.Add(offset);
        command.Options.Add(limit);
        command.SetAction((result, _) => AdminContext.RunAsync(result, "failed list", async ctx =>
        {
            var jobs = new FailedJobs(ctx.Db, ctx.Keys);
            var total = await jobs.CountAsync().ConfigureAwait(false);
            var page = await jobs.ListAsync(result.GetValue(offset), result.GetValue(limit)).ConfigureAwait(false);
            if (ctx.Json)
            {
                JsonOutput.Write(new { Total = total, Jobs = page.Select(FailedJobView.Summary) });
                return 0;
            }
            Console.Out.WriteLine($"{TextTable.Plural(total, "failed job", "failed jobs")}" + (page.Count < total ? $", showing {page.Count}" : ""));
            if (page.Count == 0) return 0;
            var table = new TextTable("N", "FAILED AT", "QUEUE", "CLASS", "EXCEPTION", "ERROR", "RETRIED AT").AlignRight(0);
            foreach (var j in page)
                table.Add(j.Index.ToString(), j.FailedAt ?? "?", j.Queue ?? "?", j.Class ?? "?", j.Exception ?? "?", Short(j.Error), j.RetriedAt ?? "");
            Console.Out.Write(table.Render());
            return 0;
        }));
        return command;
    }

    private static Command BuildShow()
    {
        var index = IndexArgument("show");
        var command = AdminContext.WithOptions(new Command("show", "show one failed job in full: payload, error and backtrace"));
        command.Arguments.Add(index);
        command.SetAction((result, _) => AdminContext.RunAsync(result, "failed show", async ctx =>
        {
            var n = result.GetValue(index);
            if (await new FailedJobs(ctx.Db, ctx.Keys).GetAsync(n).ConfigureAwait(false) is not { } job)
                return await NoSuchIndex(ctx, "failed show", n).ConfigureAwait(false);
            if (ctx.Json) JsonOutput.Write(FailedJobView.Full(job));
            else Console.Out.Write(FailedJobView.Describe(job));
            return 0;
        }));
        return command;
    }

    private static Command BuildRetry()
    {
        var index = NonNegative(new Argument<long?>("N") { Description = "0-based index of the failed job to retry", Arity = ArgumentArity.ZeroOrOne });
        var all = new Option<bool>("--all") { Description = "retry every failed job" };
        var command = AdminContext.WithOptions(new Command("retry",
            "enqueue a failed job again (it stays in the list, marked retried_at, as Resque does)"), json: true);
        command.Arguments.Add(index);
        command.Options.Add(all);
        command.SetAction((result, _) => AdminContext.RunAsync(result, "failed retry", async ctx =>
        {
            var jobs = new FailedJobs(ctx.Db, ctx.Keys);
            var n = result.GetValue(index);
            if (result.GetValue(all) == n.HasValue)
                return AdminContext.Fail("failed retry", "give either N (a 0-based index) or --all");
            var results = n is { } i ? [await jobs.RetryAsync(i).ConfigureAwait(false)] : await jobs.RetryAllAsync().ConfigureAwait(false);
            if (n is { } gone && results[0].Outcome == RetryOutcome.Gone) return await NoSuchIndex(ctx, "failed retry", gone).ConfigureAwait(false);
            var retried = results.Count(r => r.Outcome == RetryOutcome.Retried);
            if (ctx.Json) JsonOutput.Write(new { Retried = retried, Results = results });
            else
            {
                foreach (var r in results.Where(r => r.Outcome != RetryOutcome.Retried))
                    Console.Out.WriteLine($"skipped {r.Index}: {r.Why}");
                if (n is not null && results[0] is { Outcome: RetryOutcome.Retried } one)
                    Console.Out.WriteLine($"retried 1 job: {one.Payload} on {one.Queue}");
                else Console.Out.WriteLine($"retried {TextTable.Plural(retried, "job", "jobs")}");
            }
            return n is not null && retried == 0 ? 1 : 0;
        }));
        return command;
    }

    private static Command BuildRemove()
    {
        var index = IndexArgument("remove");
        var command = AdminContext.WithOptions(new Command("remove", "delete one failed job from the list"));
        command.Arguments.Add(index);
        command.SetAction((result, _) => AdminContext.RunAsync(result, "failed remove", async ctx =>
        {
            var n = result.GetValue(index);
            if (!await new FailedJobs(ctx.Db, ctx.Keys).RemoveAsync(n).ConfigureAwait(false))
                return await NoSuchIndex(ctx, "failed remove", n).ConfigureAwait(false);
            if (ctx.Json) JsonOutput.Write(new { Removed = 1 });
            else Console.Out.WriteLine("removed 1 job");
            return 0;
        }));
        return command;
    }

    private static Command BuildClear()
    {
        var command = AdminContext.WithOptions(new Command("clear", "delete every failed job"));
        command.SetAction((result, _) => AdminContext.RunAsync(result, "failed clear", async ctx =>
        {
            var removed = await new FailedJobs(ctx.Db, ctx.Keys).ClearAsync().ConfigureAwait(false);
            if (ctx.Json) JsonOutput.Write(new { Removed = removed });
            else Console.Out.WriteLine($"removed {TextTable.Plural(removed, "job", "jobs")}");
            return 0;
        }));
        return command;
    }

    private static string Short(string? s) => s is null ? "" : s.Length <= 60 ? s.ReplaceLineEndings(" ") : s[..57].ReplaceLineEndings(" ") + "...";
}
