using Pool.Master.Observability;
using System.CommandLine;
using System.Globalization;
using System.Text;
using Pool.Protocol.Retries;
using Pool.Protocol.Scheduling;

namespace Pool.Master.Cli.Commands;

/// <summary>
/// `pool-master retries list|show N|now N|remove N`: failed jobs waiting for their automatic
/// retry, as resque-retry's Retry tab shows them. N is the 0-based position in `retries list`
/// (earliest first). `remove` gives the job up: its last failure goes to the failed list, where
/// its final failure would have gone, so nothing disappears.
/// </summary>
internal static class RetryCommands
{
    public static Command Build()
    {
        var retries = new Command("retries", "list, show, run now or give up pending automatic retries (resque-retry's format)");
        retries.Subcommands.Add(BuildList());
        retries.Subcommands.Add(BuildShow());
        retries.Subcommands.Add(BuildEdit("now", "run the retry now instead of at its time (its attempt count goes on)", (s, r) => s.RunNowAsync(r), "running now"));
        retries.Subcommands.Add(BuildEdit("remove", "give the job up now: its last failure goes to the failed list with its attempt count", (s, r) => s.RemoveAsync(r), "gave up"));
        return retries;
    }

    private static RetryStore Store(AdminContext ctx) => new(ctx.Db, new SchedulerKeys(ctx.Keys));

    private static Command BuildList()
    {
        var command = AdminContext.WithOptions(new Command("list", "list pending retries, earliest first: N, due, attempts, class, args, last error"));
        command.SetAction((result, _) => AdminContext.RunAsync(result, "retries list", async ctx =>
        {
            var list = await Store(ctx).ListAsync().ConfigureAwait(false);
            if (ctx.Json)
            {
                JsonOutput.Write(list.Select(View));
                return 0;
            }
            Console.Out.WriteLine(TextTable.Plural(list.Count, "pending retry", "pending retries"));
            if (list.Count == 0) return 0;
            var table = new TextTable("N", "DUE", "ATTEMPTS", "QUEUE", "CLASS", "ARGS", "LAST ERROR").AlignRight(0).AlignRight(2);
            foreach (var r in list)
                table.Add(r.Index.ToString(CultureInfo.InvariantCulture), Iso(r.Job.At), r.Attempts.ToString(CultureInfo.InvariantCulture), r.Job.Queue, r.Job.Class, r.Job.ArgsJson,
                    r.LastFailure is { } f ? $"{f.Exception}: {f.Error}" : "(expired)");
            Console.Out.Write(table.Render());
            return 0;
        }));
        return command;
    }

    private static Argument<int> Index() => new("N") { Description = "0-based position in `pool-master retries list`" };

    private static Command BuildShow()
    {
        var index = Index();
        var command = AdminContext.WithOptions(new Command("show", "show one pending retry in full: job, attempts and its last failure"));
        command.Arguments.Add(index);
        command.SetAction((result, _) => AdminContext.RunAsync(result, "retries show", async ctx =>
        {
            if (await Store(ctx).GetAsync(result.GetValue(index)).ConfigureAwait(false) is not { } r) return NoSuch(ctx, "retries show", result.GetValue(index));
            if (ctx.Json) JsonOutput.Write(View(r));
            else Console.Out.Write(Describe(r));
            return 0;
        }));
        return command;
    }

    private static Command BuildEdit(string name, string description, Func<RetryStore, PendingRetry, Task<bool>> act, string done)
    {
        var index = Index();
        var command = AdminContext.WithOptions(new Command(name, description));
        command.Arguments.Add(index);
        command.SetAction((result, _) => AdminContext.RunAsync(result, "retries " + name, async ctx =>
        {
            var store = Store(ctx);
            if (await store.GetAsync(result.GetValue(index)).ConfigureAwait(false) is not { } r) return NoSuch(ctx, "retries " + name, result.GetValue(index));
            if (!await act(store, r).ConfigureAwait(false))
                return AdminContext.Fail("retries " + name, "that retry ran or was removed meanwhile; see `pool-master retries list`");
            if (ctx.Json) JsonOutput.Write(new { Done = done, Retry = View(r) });
            else Console.Out.WriteLine($"{done}: {r.Job.Class} {r.Job.ArgsJson} on {r.Job.Queue} after {TextTable.Plural(r.Attempts, "attempt", "attempts")}");
            return 0;
        }));
        return command;
    }

    private static int NoSuch(AdminContext ctx, string name, int n) =>
        AdminContext.Fail(name, $"no pending retry at index {n}; see `pool-master retries list` (0-based, earliest first)");

    private static object View(PendingRetry r) => new
    {
        r.Index,
        Due = Iso(r.Job.At),
        r.Attempts,
        r.Job.Queue,
        r.Job.Class,
        Args = System.Text.Json.JsonDocument.Parse(r.Job.ArgsJson).RootElement,
        CounterKey = r.CounterKey,
        LastFailure = r.LastFailure is { } f ? new { f.FailedAt, f.Exception, f.Error, f.Backtrace } : null,
    };

    private static string Describe(PendingRetry r)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"retry {r.Index}: {r.Job.Class} {r.Job.ArgsJson} on {r.Job.Queue}");
        sb.AppendLine($"  due:       {Iso(r.Job.At)}");
        sb.AppendLine($"  attempts:  {r.Attempts} so far (counter {r.CounterKey})");
        if (r.LastFailure is { } f)
        {
            sb.AppendLine($"  failed at: {f.FailedAt}");
            sb.AppendLine($"  error:     {f.Exception}: {f.Error}");
            foreach (var line in f.Backtrace) sb.AppendLine("    " + line);
        }
        else sb.AppendLine("  last failure: expired (resque-retry keeps it for twice the delay)");
        return sb.ToString();
    }

    private static string Iso(long at) => DateTimeOffset.FromUnixTimeSeconds(at).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
