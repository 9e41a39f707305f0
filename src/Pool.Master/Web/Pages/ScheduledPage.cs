using Pool.Protocol.Admin;
using Microsoft.AspNetCore.Http;
using Pool.Protocol.Keys;
using Pool.Protocol.Scheduling;
using StackExchange.Redis;

namespace Pool.Master.Web.Pages;

/// <summary>
/// Delayed jobs (resque-scheduler's delayed_queue_schedule and its per-second buckets), earliest
/// first, a page at a time from a cursor: the page reads only its own seconds and jobs. Run one
/// or the selected now (each moves from its bucket to its queue in one atomic step), or cancel
/// them after a confirmation page.
/// </summary>
internal sealed class ScheduledPage(ResqueKeys keys)
{
    public const int PerPage = 25;

    /// <summary>Up to this many seconds in the schedule, the header counts jobs too (one pipelined LLEN per second); beyond it, seconds only.</summary>
    public const int CountJobsUpTo = 1000;

    private DelayedQueue Delayed(IDatabase db) => new(db, new SchedulerKeys(keys));

    public async Task<RawHtml> RenderAsync(IDatabase db, HttpContext context, Layout layout)
    {
        var cursor = DelayedIds.Cursor(context.Request.Query);
        var delayed = Delayed(db);
        var count = CountAsync(db, delayed.Keys);
        var page = delayed.PageAsync(cursor, PerPage);
        await Task.WhenAll(count, page).ConfigureAwait(false);
        var (seconds, jobs) = count.Result;
        var now = DateTimeOffset.UtcNow;
        var ro = layout.Options.ReadOnly;
        var back = PageRunner.BackTo(context);

        var html = new Html();
        html.Add($"<h1>Scheduled <span class=\"muted\">{(jobs is { } j ? Format.Count(j, "job", "jobs") + " in " : "")}{Format.Count(seconds, "second", "seconds")}</span></h1>");
        html.Add($"{DelayedIds.FromForm(context, layout, "/scheduled", "scheduled-filter")}");
        if (!ro)
        {
            // The selection goes to a confirmation page by GET; the table's checkboxes belong to this form (form="..."), the rows' own buttons are separate POST forms.
            html.Add($"<form method=\"get\" action=\"{layout.Url(context, "/scheduled/confirm")}\" id=\"scheduled-select\" class=\"actions\">");
            html.Add($"<button type=\"submit\" name=\"op\" value=\"run\">Run selected now…</button> <button type=\"submit\" name=\"op\" value=\"remove\" class=\"danger\">Remove selected…</button></form>");
        }
        html.Add($"<table class=\"scheduled\"><thead><tr><th>{(ro ? RawHtml.Empty : new RawHtml("<input type=\"checkbox\" data-select-all=\"scheduled\" aria-label=\"select all\">"))}</th><th>Due</th><th>Queue</th><th>Class</th><th>Args</th><th></th></tr></thead><tbody>");
        foreach (var slot in page.Result.Slots)
        {
            var e = slot.Entry;
            var id = DelayedIds.Of(e);
            var due = DateTimeOffset.FromUnixTimeSeconds(e.At);
            html.Add($"<tr data-delayed=\"{id}\"><td>{(ro ? RawHtml.Empty : Cells.Checkbox(id, "scheduled-select"))}</td><td class=\"nowrap\">{Format.Time(due)}{Cells.MutedLine(DelayedIds.Relative(due, now))}</td>");
            if (e.Job is { } job)
                html.Add($"<td>{job.Queue}</td><td>{job.Class}</td><td><details><summary><code>{Format.Clip(job.ArgsJson)}</code></summary><pre>{e.Raw}</pre></details></td>");
            else
                html.Add($"<td class=\"muted\">?</td><td class=\"muted\">(unreadable)</td><td><details><summary>{e.Error}</summary><pre>{e.Raw}</pre></details></td>");
            html.Add($"<td class=\"nowrap\">{(e.Job is null ? RawHtml.Empty : layout.Button(context, "/scheduled/action", "Run now", [("act", "run"), ("selected", id), ("back", back)]))} ");
            if (!ro) html.Add($"<a class=\"button danger\" href=\"{layout.Url(context, "/scheduled/confirm?op=remove&selected=" + Uri.EscapeDataString(id))}\">Remove…</a>");
            html.Add($"</td></tr>");
        }
        if (page.Result.Slots.Count == 0) html.Add($"<tr><td colspan=\"6\" class=\"muted\">{(cursor == DelayedCursor.Start ? "No delayed jobs." : "No delayed jobs from here on.")}</td></tr>");
        html.Add($"</tbody></table>");
        html.Add($"{DelayedIds.Pager(context, layout, "/scheduled", cursor, page.Result.Next)}");
        html.Add($"<p class=\"muted\">resque-scheduler's format: Ruby's enqueue_at, Pool's enqueue --at/--in and automatic retries all land here. Run now moves the job to its queue at once; Remove cancels it (every copy of it in that second), as Ruby's remove_delayed_job_from_timestamp does.</p>");
        return RawHtml.From(html);
    }

    /// <summary>ZCARD always (O(1)); the job count only while the schedule is small enough for one pipelined LLEN per second.</summary>
    private static async Task<(long Seconds, long? Jobs)> CountAsync(IDatabase db, SchedulerKeys keys)
    {
        var seconds = await db.SortedSetLengthAsync(keys.Schedule).OrZeroAsync().ConfigureAwait(false);
        if (seconds > CountJobsUpTo) return (seconds, null);
        var (jobs, _) = await new DelayedQueue(db, keys).CountAsync().ConfigureAwait(false);
        return (seconds, jobs);
    }

    /// <summary>The page that confirms running or cancelling the selected entries, listing each as it is now.</summary>
    public async Task<RawHtml> ConfirmAsync(IDatabase db, HttpContext context, Layout layout)
    {
        var op = context.Request.Query["op"].ToString() == "run" ? "run" : "remove";
        var delayed = Delayed(db);
        var found = new List<(string Id, DelayedEntry Entry)>();
        foreach (var id in DelayedIds.Selected(context.Request.Query["selected"]))
            if (await DelayedIds.FindAsync(delayed, id).ConfigureAwait(false) is { } e && (op == "remove" || e.Job is not null)) found.Add((id, e));
        var html = new Html();
        if (found.Count == 0)
        {
            html.Add($"<h1>Nothing to {op}</h1><p>None of the selected jobs is scheduled any more (they ran or were removed meanwhile){(op == "run" ? ", or none can be read" : "")}.</p><p><a href=\"{layout.Url(context, "/scheduled")}\">Back to Scheduled</a></p>");
            return RawHtml.From(html);
        }
        var what = found.Count == 1 ? "this delayed job" : $"these {found.Count} delayed jobs";
        html.Add($"<h1>{(op == "run" ? "Run " + what + " now" : "Remove " + what)}?</h1>");
        html.Add($"<p>{(op == "run" ? (found.Count == 1 ? "It moves" : "Each moves") + " from the schedule to its queue at once, for the next free worker." : (found.Count == 1 ? "It is" : "Each is") + " cancelled: it leaves the schedule and never runs. This cannot be undone.")}</p>");
        html.Add($"<table><thead><tr><th>Due</th><th>Queue</th><th>Class</th><th>Args</th></tr></thead><tbody>");
        foreach (var (_, e) in found)
            html.Add($"<tr><td class=\"nowrap\">{Format.Time(DateTimeOffset.FromUnixTimeSeconds(e.At))}</td><td>{e.Job?.Queue ?? "?"}</td><td>{e.Job?.Class ?? "(unreadable)"}</td><td><code>{Format.Clip(e.Job?.ArgsJson ?? e.Raw)}</code></td></tr>");
        html.Add($"</tbody></table>");
        html.Add($"<form method=\"post\" action=\"{layout.Url(context, "/scheduled/action")}\" class=\"actions\" id=\"scheduled-confirm\">{layout.AntiforgeryField(context)}<input type=\"hidden\" name=\"act\" value=\"{op}\"><input type=\"hidden\" name=\"back\" value=\"/scheduled\">");
        foreach (var (id, _) in found) html.Add($"<input type=\"hidden\" name=\"selected\" value=\"{id}\">");
        html.Add($"<p><button type=\"submit\" class=\"{(op == "remove" ? "danger" : "")}\">Yes, {(op == "run" ? "run now" : "remove")} {Format.Count(found.Count)}</button> <a href=\"{layout.Url(context, "/scheduled")}\">Cancel</a></p></form>");
        return RawHtml.From(html);
    }

    /// <summary>Runs now (act=run) or cancels (act=remove) the selected entries; returns the line shown after the redirect.</summary>
    public async Task<string> ActAsync(IDatabase db, IFormCollection form)
    {
        var act = form["act"].ToString();
        if (act is not ("run" or "remove")) throw new ArgumentException("no action chosen (run or remove)");
        var ids = DelayedIds.Selected(form["selected"]);
        if (ids.Count == 0) throw new ArgumentException("no delayed job selected");
        var delayed = Delayed(db);
        var done = 0;
        foreach (var id in ids)
        {
            if (await DelayedIds.FindAsync(delayed, id).ConfigureAwait(false) is not { } e) continue;
            if (act == "run" ? e.Job is { } job && await delayed.RunNowAsync(job).ConfigureAwait(false)
                             : await delayed.RemoveEncodedAsync(e.Raw, e.At).ConfigureAwait(false) > 0)
                done++;
        }
        var verb = act == "run" ? "ran" : "removed";
        var missed = ids.Count - done;
        return ids.Count == 1
            ? done == 1 ? (act == "run" ? "moved 1 delayed job to its queue" : "removed 1 delayed job") : $"that delayed job is gone (it ran or was removed meanwhile){(act == "run" ? " or cannot be read" : "")}; nothing was changed"
            : $"{verb} {done} of {ids.Count} selected{(act == "run" ? " now" : "")}{(missed > 0 ? $" ({missed} gone meanwhile{(act == "run" ? " or unreadable" : "")})" : "")}";
    }
}
