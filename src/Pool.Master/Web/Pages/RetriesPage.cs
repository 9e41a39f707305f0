using Microsoft.AspNetCore.Http;
using Pool.Protocol.Keys;
using Pool.Protocol.Retries;
using Pool.Protocol.Scheduling;
using StackExchange.Redis;

namespace Pool.Master.Web.Pages;

/// <summary>
/// Jobs waiting for an automatic retry, as resque-retry's Retry tab sees them: delayed entries
/// whose class and args have a resque-retry attempt counter (<see cref="RetryStore"/>). The
/// schedule is read from a cursor in windows until a page is full or a budget is spent, so a
/// schedule of millions costs no more than a page. Retry now keeps the attempt count; Remove
/// gives the job up to the failed list, as `pool-master retries remove` does.
/// </summary>
internal sealed class RetriesPage(ResqueKeys keys)
{
    public const int PerPage = 25;

    /// <summary>At most this many delayed entries are read for one page, and for no longer than <see cref="ScanBudget"/>.</summary>
    public const int MaxScan = 5000;

    public static readonly TimeSpan ScanBudget = TimeSpan.FromMilliseconds(100);

    private SchedulerKeys Scheduler => new(keys);

    public async Task<RawHtml> RenderAsync(IDatabase db, HttpContext context, Layout layout)
    {
        var cursor = DelayedIds.Cursor(context.Request.Query);
        var page = await new RetryStore(db, Scheduler).PageAsync(cursor, PerPage, MaxScan, ScanBudget).ConfigureAwait(false);
        var now = DateTimeOffset.UtcNow;
        var ro = layout.Options.ReadOnly;
        var back = PageRunner.BackTo(context);

        var html = new Html();
        html.Add($"<h1>Retries <span class=\"muted\">{Format.Count(page.Retries.Count)}{(page.Next is null ? "" : "+")} {(cursor == DelayedCursor.Start ? "" : "from here ")}pending</span></h1>");
        html.Add($"{DelayedIds.FromForm(context, layout, "/retries", "retries-filter")}");
        html.Add($"<form method=\"post\" action=\"{layout.Url(context, "/retries/action")}\" id=\"retries-form\">{(ro ? RawHtml.Empty : layout.AntiforgeryField(context))}<input type=\"hidden\" name=\"back\" value=\"{back}\">");
        if (!ro) html.Add($"<p class=\"actions\"><button type=\"submit\" name=\"act\" value=\"now-selected\">Retry selected now</button> <button type=\"submit\" name=\"act\" value=\"remove-selected\" class=\"danger\">Remove selected (to Failed)</button></p>");
        html.Add($"<table class=\"retries\"><thead><tr><th>{(ro ? RawHtml.Empty : new RawHtml("<input type=\"checkbox\" data-select-all=\"retries\" aria-label=\"select all\">"))}</th><th>Next run</th><th class=\"num\">Attempts</th><th>Queue</th><th>Class</th><th>Args</th><th>Last error</th><th></th></tr></thead><tbody>");
        foreach (var r in page.Retries)
        {
            var e = new DelayedEntry(r.Job.At, r.Job.Encoded, r.Job, null);
            var id = DelayedIds.Of(e);
            html.Add($"<tr data-retry=\"{id}\"><td>{(ro ? RawHtml.Empty : Cells.Checkbox(id))}</td><td class=\"nowrap\">{Format.Time(r.Job.Due)}{Cells.MutedLine(DelayedIds.Relative(r.Job.Due, now))}</td>");
            html.Add($"<td class=\"num\">{r.Attempts}</td><td>{r.Job.Queue}</td><td>{r.Job.Class}</td><td><code>{Format.Clip(r.Job.ArgsJson)}</code></td>");
            if (r.LastFailure is { } f)
                html.Add($"<td><details><summary><strong>{f.Exception}</strong>: {Format.Clip(f.Error)}</summary><dl><dt>Failed at</dt><dd>{f.FailedAt}</dd><dt>Error</dt><dd><pre>{f.Error}</pre></dd><dt>Backtrace</dt><dd><pre>{string.Join('\n', f.Backtrace)}</pre></dd></dl></details></td>");
            else html.Add($"<td class=\"muted\">expired (kept for twice the delay)</td>");
            html.Add($"<td class=\"nowrap\">{(ro ? RawHtml.Empty : RowButtons(id))}</td></tr>");
        }
        if (page.Retries.Count == 0) html.Add($"<tr><td colspan=\"8\" class=\"muted\">{(page.Next is null ? "No pending retries." : "None among the entries read; look later in the schedule.")}</td></tr>");
        html.Add($"</tbody></table></form>");
        html.Add($"{DelayedIds.Pager(context, layout, "/retries", cursor, page.Next, $"read {Format.Count(page.Scanned)} delayed entries{(page.Next is null ? ", to the end of the schedule" : "")}")}");
        html.Add($"<p class=\"muted\">Attempts: runs so far (resque-retry's counter + 1), as `pool-master retries list` shows them. Retry now runs it at once and keeps the count; Remove gives it up, as `pool-master retries remove` does: its last failure goes to the Failed list with its attempt count, and the counter goes.</p>");
        return RawHtml.From(html);
    }

    private static RawHtml RowButtons(string id)
    {
        var h = new Html();
        h.Add($"<button type=\"submit\" name=\"act\" value=\"now:{id}\">Retry now</button> <button type=\"submit\" name=\"act\" value=\"remove:{id}\" class=\"danger\">Remove</button>");
        return RawHtml.From(h);
    }

    /// <summary>Does what a button of the retries form asked; returns the line shown after the redirect.</summary>
    public async Task<string> ActAsync(IDatabase db, IFormCollection form)
    {
        var act = form["act"].ToString();
        var colon = act.IndexOf(':', StringComparison.Ordinal);
        var (op, ids) = colon > 0
            ? (act[..colon], (IReadOnlyList<string>)[act[(colon + 1)..]])
            : (act.Replace("-selected", "", StringComparison.Ordinal), DelayedIds.Selected(form["selected"]));
        if (op is not ("now" or "remove")) throw new ArgumentException("no action chosen");
        if (ids.Count == 0) throw new ArgumentException("no retry selected");
        var store = new RetryStore(db, Scheduler);
        var delayed = new DelayedQueue(db, Scheduler);
        var done = 0;
        foreach (var id in ids)
        {
            if (await DelayedIds.FindAsync(delayed, id).ConfigureAwait(false) is not { Job: { } job }) continue;
            if (await store.OfAsync(job).ConfigureAwait(false) is not { } retry) continue;
            if (op == "now" ? await store.RunNowAsync(retry).ConfigureAwait(false) : await store.RemoveAsync(retry).ConfigureAwait(false)) done++;
        }
        if (ids.Count == 1)
            return done == 0 ? "that retry is gone (it ran or was removed meanwhile); nothing was changed"
                : op == "now" ? "retrying 1 job now" : "removed 1 retry: its last failure is in the Failed list";
        return $"{(op == "now" ? "retrying" : "removed")} {done} of {ids.Count} selected{(done < ids.Count ? $" ({ids.Count - done} gone meanwhile)" : "")}";
    }
}
