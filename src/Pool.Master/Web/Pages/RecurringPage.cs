using Microsoft.AspNetCore.Http;
using Pool.Master.Config;
using Pool.Protocol.Keys;
using Pool.Protocol.Scheduling;
using StackExchange.Redis;

namespace Pool.Master.Web.Pages;

/// <summary>
/// pool.yml's recurring entries (from the master this dashboard runs in, or the file
/// `pool-master web --config` read) with their next run, and their last run from Redis, whichever
/// master fired it. "Run now" is `pool-master schedule run NAME`: one extra run, the schedule untouched.
/// </summary>
internal sealed class RecurringPage(ResqueKeys keys, RecurringSource? source)
{
    public async Task<RawHtml> RenderAsync(IDatabase db, HttpContext context, Layout layout)
    {
        var known = source?.Entries();
        var entries = known ?? [];
        var store = new RecurringStore(db, new SchedulerKeys(keys));
        var fired = store.LastFiresAsync();
        var enqueued = store.LastEnqueuedAsync();
        await Task.WhenAll(fired, enqueued).ConfigureAwait(false);
        var now = DateTimeOffset.UtcNow;
        var back = PageRunner.BackTo(context);

        var html = new Html();
        html.Add($"<h1>Recurring <span class=\"muted\">{Format.Count(entries.Count)} entr{(entries.Count == 1 ? "y" : "ies")}</span></h1>");
        var origin = source is null ? "This dashboard knows no schedule: run it inside `pool-master run --http`, or give `pool-master web` the pool.yml with --config."
            : known is null ? "This master runs no scheduler (POOL_SCHEDULER=off, or its settings were refused: see its log), so it has no schedule to show."
            : "From " + source.Origin + ".";
        html.Add($"<p class=\"muted\">{origin}</p>");
        html.Add($"<table class=\"recurring\"><thead><tr><th>Name</th><th>When</th><th>Queue</th><th>Class</th><th>Args</th><th>Next run</th><th>Last run</th><th>Missed</th><th></th></tr></thead><tbody>");
        foreach (var e in entries)
        {
            var next = e.Recurrence.Next(now);
            var last = enqueued.Result.TryGetValue(e.Name, out var text) ? RubyTime(text) : fired.Result.TryGetValue(e.Name, out var f) ? Format.Time(f) : null;
            html.Add($"<tr data-schedule=\"{e.Name}\"><td><strong>{e.Name}</strong>{(e.FromRuby ? Cells.MutedLine("Ruby's, from persistent_schedules") : RawHtml.Empty)}{(e.Description is { } d ? Cells.MutedLine(d) : RawHtml.Empty)}</td><td><code>{e.Recurrence.Describe()}</code></td><td>{e.Queue}</td><td>{e.Class}</td><td><code>{Format.Clip(e.ArgsJson)}</code></td>");
            html.Add($"<td class=\"nowrap\">{(next is { } n ? Format.Time(n) : "never")}{(next is { } m ? Cells.MutedLine(DelayedIds.Relative(m, now)) : RawHtml.Empty)}</td><td class=\"nowrap\">{last ?? "never"}</td><td>{e.Missed.ToString().ToLowerInvariant()}</td>");
            html.Add($"<td>{layout.Button(context, "/recurring/run", "Run now", [("name", e.Name), ("back", back)])}</td></tr>");
        }
        if (entries.Count == 0) html.Add($"<tr><td colspan=\"9\" class=\"muted\">No recurring entries.</td></tr>");
        html.Add($"</tbody></table>");
        html.Add($"<p class=\"muted\">Last run: resque-scheduler's delayed:last_enqueued_at (also set by Run now), else the last occurrence Pool fired. Missed: skip drops occurrences missed while no master led; once fires the latest of them once. Run now enqueues one extra run; the schedule is not changed.</p>");
        return RawHtml.From(html);
    }

    /// <summary>Ruby's Time#to_s ("2026-12-01 15:30:00 -0500") as the other times on the pages; any other text as it is.</summary>
    private static string RubyTime(string text) => RecurringStore.ParseRubyTimeToS(text) is { } t ? Format.Time(t) : text;

    /// <summary>Enqueues one run of the named entry now; the class, args and queue come from the schedule, never from the form.</summary>
    public async Task<string> RunAsync(IDatabase db, IFormCollection form)
    {
        var name = form["name"].ToString();
        var entries = source?.Entries() ?? [];
        if (entries.FirstOrDefault(e => e.Name == name) is not { } entry)
            throw new ArgumentException($"no schedule entry named '{name}' (the schedule changed since the page was drawn?)");
        await new RecurringStore(db, new SchedulerKeys(keys)).RunNowAsync(entry.Name, entry.Queue, entry.Payload, DateTimeOffset.UtcNow).ConfigureAwait(false);
        return $"enqueued {entry.Class} on {entry.Queue} (schedule {entry.Name}, run now)";
    }
}
