using Pool.Master.Observability;
using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Pool.Master.Scheduling;
using Pool.Protocol.Scheduling;

namespace Pool.Master.Cli.Commands;

/// <summary>`pool-master enqueue --at TIME | --in DURATION QUEUE CLASS [ARG ...]`: a delayed job in resque-scheduler's format.</summary>
internal static class DelayedEnqueue
{
    public static readonly Option<string?> AtOption = new("--at")
    { Description = "run at this time instead of now: ISO 8601 (2026-12-01T03:00:00Z; without an offset it is UTC) or Unix seconds; truncated to the second like resque-scheduler" };

    public static readonly Option<string?> InOption = new("--in")
    { Description = "run after this delay instead of now: " + Durations.Help };

    public static void AddTo(Command command)
    {
        command.Options.Add(AtOption);
        command.Options.Add(InOption);
    }

    /// <summary>Whether the command line asks for a delayed job.</summary>
    public static bool Requested(ParseResult result) => result.GetValue(AtOption) is not null || result.GetValue(InOption) is not null;

    /// <summary>Schedules the job; bad or past times are one-line errors.</summary>
    public static async Task<int> RunAsync(ParseResult result, AdminContext ctx, string queue, string jobClass, IReadOnlyList<object?> args)
    {
        var now = DateTimeOffset.UtcNow;
        if (!TryWhen(result, now, out var at, out var error)) return AdminContext.Fail("enqueue", error!);
        var job = await new DelayedQueue(ctx.Db, new SchedulerKeys(ctx.Keys)).EnqueueAtAsync(at, queue, jobClass, [.. args]).ConfigureAwait(false);
        var when = job.Due.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        if (ctx.Json) JsonOutput.Write(new { Queue = queue, At = when, Job = JsonDocument.Parse(job.Encoded).RootElement });
        else Console.Out.WriteLine($"scheduled {job.Encoded} for {when} ({TextTable.Duration(job.Due - now)} from now)");
        return 0;
    }

    /// <summary>9999-12-31T23:59:59Z, the last second a DateTimeOffset holds.</summary>
    private const long MaxUnixSeconds = 253_402_300_799;

    private static bool TryWhen(ParseResult result, DateTimeOffset now, out DateTimeOffset at, out string? error)
    {
        at = now;
        error = null;
        var atText = result.GetValue(AtOption);
        var inText = result.GetValue(InOption);
        if (atText is not null && inText is not null) { error = "give --at or --in, not both"; return false; }
        if (inText is not null)
        {
            if (!Durations.TryParse(inText, out var delay, out var tooLarge))
            {
                error = tooLarge ? $"--in '{inText}' {Durations.TooLarge}; for a later time, use --at" : $"--in '{inText}' is not a duration: use {Durations.Help}";
                return false;
            }
            at = now + delay;
            return true;
        }
        if (atText is { Length: > 0 } && atText.All(char.IsAsciiDigit))
        {
            // Unix seconds: past the year 9999 no DateTimeOffset holds them; that is a value too large, not "not a time".
            if (!long.TryParse(atText, NumberStyles.None, CultureInfo.InvariantCulture, out var unix) || unix > MaxUnixSeconds)
            {
                error = $"--at '{atText}' is too large: Unix seconds go up to {MaxUnixSeconds} (9999-12-31T23:59:59Z)";
                return false;
            }
            at = DateTimeOffset.FromUnixTimeSeconds(unix);
        }
        else if (!DateTimeOffset.TryParse(atText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out at))
        {
            error = $"--at '{atText}' is not a time: use ISO 8601 such as 2026-12-01T03:00:00Z, or Unix seconds";
            return false;
        }
        // Ruby's enqueue_at runs a past time at once; from an operator it is almost surely a typo.
        if (at.ToUnixTimeSeconds() < now.ToUnixTimeSeconds())
        {
            error = $"--at {at:yyyy-MM-dd'T'HH:mm:ss'Z'} is in the past (now {now:yyyy-MM-dd'T'HH:mm:ss'Z'}); to run it now, leave --at out";
            return false;
        }
        return true;
    }

}
