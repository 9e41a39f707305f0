using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.Json;
using Pool.Protocol.Connection;
using Pool.Protocol.Payloads;
using Pool.Protocol.Producing;
using Pool.Master.Observability;

namespace Pool.Master.Cli.Commands;

/// <summary>`pool-master enqueue QUEUE CLASS [ARG ...]`, through Pool's producer so an idle worker wakes at once.</summary>
internal static class EnqueueCommand
{
    public static Command Build()
    {
        var queue = new Argument<string>("queue") { Description = "queue to push to" };
        var jobClass = new Argument<string>("class") { Description = "the job's class name (payload \"class\")" };
        var args = new Argument<string[]>("args")
        {
            Description = "job arguments, each parsed as JSON (2, true, {\"a\":1}, \"\\\"2\\\"\"); text that is not JSON is a string",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var command = AdminContext.WithOptions(new Command("enqueue", "push one job to a queue and wake an idle Pool worker, or schedule it with --at / --in"));
        command.Arguments.Add(queue);
        command.Arguments.Add(jobClass);
        command.Arguments.Add(args);
        DelayedEnqueue.AddTo(command);
        command.SetAction((result, _) => AdminContext.RunAsync(result, "enqueue", async ctx =>
        {
            var name = result.GetValue(queue)!;
            if (QueueNameRule.Problem(name) is { } bad) return AdminContext.Fail("enqueue", bad);
            var cls = result.GetValue(jobClass)!;
            var raw = result.GetValue(args) ?? [];
            var parsed = ParseArgs(raw);
            if (ArgumentProblem(result, cls, raw, parsed) is { } problem)
                return AdminContext.Fail("enqueue", problem);
            if (DelayedEnqueue.Requested(result))
                return await DelayedEnqueue.RunAsync(result, ctx, name, cls, parsed).ConfigureAwait(false);
            var payload = PayloadCodec.Encode(cls, parsed);
            var length = await new Producer(ctx.Db.Multiplexer, ctx.Keys.Namespace, ReplicaConfirmation.FromUrl(ctx.RedisUrl)).EnqueueRawAsync(name, payload).ConfigureAwait(false);
            if (ctx.Json) JsonOutput.Write(new { Queue = name, Payload = JsonDocument.Parse(payload).RootElement, QueueLength = length });
            // 0: the script reserved the job for a Pool worker registered as idle on the queue (its
            // mailbox). Whether that worker reads it at once (it may be stalled, or refused BLPOP,
            // and take it at its next reserve) the enqueue cannot know, so it does not say so.
            else if (length == 0) Console.Out.WriteLine($"enqueued {payload} on {name} (reserved for a Pool worker registered as idle on it; 0 jobs in the queue now)");
            else Console.Out.WriteLine($"enqueued {payload} on {name} ({TextTable.Plural(length, "job", "jobs")} in the queue now)");
            return 0;
        }));
        return command;
    }

    /// <summary>
    /// What no worker could run as meant: an empty class; a mistyped option (`--bogus`), which
    /// would otherwise be enqueued as a job argument; a number past a double (1e400), which Ruby
    /// reads as Infinity and cannot write back as JSON.
    /// </summary>
    private static string? ArgumentProblem(ParseResult result, string jobClass, IReadOnlyList<string> raw, IReadOnlyList<object?> parsed)
    {
        if (string.IsNullOrWhiteSpace(jobClass)) return "the job class is empty; give the class name, e.g. enqueue mail SendWelcome 42";
        if (!result.Tokens.Any(t => t.Type == TokenType.DoubleDash) && raw.FirstOrDefault(a => a.StartsWith("--", StringComparison.Ordinal)) is { } option)
            return $"'{option}' is not an option of enqueue; to pass it as a job argument, put -- before the arguments";
        for (var i = 0; i < raw.Count; i++)
        {
            if (parsed[i] is JsonElement json && HasHugeNumber(json))
                return $"argument '{Config.ConfigException.Shorten(raw[i])}' holds a number beyond a double's range; quote it as a string (e.g. '\"1e400\"') or use a smaller number";
        }
        return null;
    }

    private static bool HasHugeNumber(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Number => !double.IsFinite(e.GetDouble()),
        JsonValueKind.Array => e.EnumerateArray().Any(HasHugeNumber),
        JsonValueKind.Object => e.EnumerateObject().Any(p => HasHugeNumber(p.Value)),
        _ => false,
    };

    /// <summary>Each argument as JSON when it parses as JSON, else as a plain string (so paths and words need no quotes).</summary>
    internal static IReadOnlyList<object?> ParseArgs(IEnumerable<string> raw) => raw.Select(ParseArg).ToList();

    private static object? ParseArg(string raw)
    {
        try
        {
            using var doc = JsonDocument.Parse(raw);
            return doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            return raw;
        }
    }
}
