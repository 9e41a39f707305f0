using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Pool.Protocol.Admin;
using Pool.Protocol.Keys;
using StackExchange.Redis;

namespace Pool.Master.Web.Pages;

/// <summary>
/// The failed list, newest first, filtered by class, queue and error text without reading the
/// whole list (see <see cref="FailedBrowser"/>). Every row names its entry by index and a digest
/// of its exact text, so a retry or remove never hits another entry that moved into that index.
/// </summary>
internal sealed class FailedPage(ResqueKeys keys)
{
    public const int PerPage = 25;

    /// <summary>How long a filtered page may read before it shows what it found and a link to go on.</summary>
    public static readonly TimeSpan ScanBudget = TimeSpan.FromMilliseconds(120);

    /// <summary>A bulk action (all that match) does at most this many entries per press.</summary>
    public const int BulkMax = 1000;

    public static readonly TimeSpan BulkBudget = TimeSpan.FromMilliseconds(700);

    public static FailedFilter FilterOf(IQueryCollection q) => new(Clean(q["class"]), Clean(q["queue"]), Clean(q["error"]));

    public static FailedFilter FilterOf(IFormCollection f) => new(Clean(f["class"]), Clean(f["queue"]), Clean(f["error"]));

    private static string? Clean(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    public static string Digest(string raw) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(raw)))[..16];

    public async Task<RawHtml> RenderAsync(IDatabase db, HttpContext context, Layout layout)
    {
        var filter = FilterOf(context.Request.Query);
        var query = Pager.Query(("class", filter.Class), ("queue", filter.Queue), ("error", filter.Error));
        var browser = new FailedBrowser(db, keys);
        long? below;
        int page = 1;
        if (filter.IsEmpty)
        {
            var total = await db.ListLengthOrZeroAsync(keys.Failed).ConfigureAwait(false);
            page = Format.Int(context.Request.Query["page"], 1, 1, int.MaxValue);
            below = total - (long)(page - 1) * PerPage;
        }
        else below = Format.Long(context.Request.Query["below"]);
        var result = await browser.PageAsync(filter, below, PerPage, ScanBudget).ConfigureAwait(false);

        var html = new Html();
        var back = PageRunner.BackTo(context);
        html.Add($"<h1>Failed <span class=\"muted\">{Format.Count(result.Total)}</span></h1>");
        html.Add($"<form method=\"get\" action=\"{layout.Url(context, "/failed")}\" class=\"filter\" id=\"failed-filter\">");
        html.Add($"<label>Class <input type=\"search\" name=\"class\" value=\"{filter.Class}\"></label>");
        html.Add($"<label>Queue <input type=\"search\" name=\"queue\" value=\"{filter.Queue}\"></label>");
        html.Add($"<label>Error <input type=\"search\" name=\"error\" value=\"{filter.Error}\"></label>");
        html.Add($"<button type=\"submit\">Filter</button> <a href=\"{layout.Url(context, "/failed")}\">Clear filter</a></form>");

        var ro = layout.Options.ReadOnly;
        html.Add($"<form method=\"post\" action=\"{layout.Url(context, "/failed/action")}\" id=\"failed-form\">{(ro ? RawHtml.Empty : layout.AntiforgeryField(context))}<input type=\"hidden\" name=\"back\" value=\"{back}\">");
        if (!ro)
        {
            html.Add($"<p class=\"actions\"><button type=\"submit\" name=\"act\" value=\"retry-selected\">Retry selected</button> <button type=\"submit\" name=\"act\" value=\"remove-selected\" class=\"danger\">Remove selected</button> ");
            html.Add($"<a class=\"button\" href=\"{layout.Url(context, "/failed/bulk?op=retry" + (query.Length > 0 ? "&" + query : ""))}\">Retry all {(filter.IsEmpty ? "" : "matching ")}…</a> ");
            html.Add($"<a class=\"button danger\" href=\"{layout.Url(context, "/failed/bulk?op=remove" + (query.Length > 0 ? "&" + query : ""))}\">Remove all {(filter.IsEmpty ? "" : "matching ")}…</a></p>");
        }
        html.Add($"<table class=\"failed\"><thead><tr><th>{(ro ? RawHtml.Empty : new RawHtml("<input type=\"checkbox\" data-select-all=\"failed\" aria-label=\"select all\">"))}</th><th>Failed at</th><th>Queue</th><th>Class</th><th>Error</th><th></th></tr></thead><tbody>");
        foreach (var j in result.Jobs)
        {
            var id = $"{j.Index}:{Digest(j.Raw)}";
            var (_, args) = JobText.ClassAndArgs(j.Payload);
            html.Add($"<tr data-failed=\"{j.Index}\"><td>{(ro ? RawHtml.Empty : Cells.Checkbox(id))}</td><td class=\"nowrap\">{j.FailedAt}</td><td>{j.Queue}</td><td>{j.Class}</td><td><details><summary><strong>{j.Exception}</strong>: {Format.Clip(j.Error)}</summary>");
            html.Add($"<dl><dt>Args</dt><dd><code>{args}</code></dd><dt>Worker</dt><dd>{j.Worker}</dd>{(j.Attempts is { } attempts ? Attempts(attempts) : RawHtml.Empty)}{(j.RetriedAt is null ? RawHtml.Empty : RetriedAt(j.RetriedAt))}<dt>Error</dt><dd><pre>{j.Error}</pre></dd><dt>Backtrace</dt><dd><pre>{string.Join('\n', j.Backtrace)}</pre></dd></dl></details></td>");
            html.Add($"<td class=\"nowrap\">{(j.RetriedAt is null ? "" : "retried ")}{(ro ? RawHtml.Empty : RowButtons(id))}</td></tr>");
        }
        if (result.Jobs.Count == 0) html.Add($"<tr><td colspan=\"6\" class=\"muted\">{(filter.IsEmpty ? "No failed jobs." : "No match in the entries read.")}</td></tr>");
        html.Add($"</tbody></table></form>");

        if (filter.IsEmpty) html.Add($"{Pager.Pages(context, layout, "/failed", page, (int)Math.Min(int.MaxValue, (result.Total + PerPage - 1) / PerPage))}");
        else
        {
            html.Add($"<nav class=\"pager\"><a href=\"{layout.Url(context, "/failed?" + query)}\">« Newest</a><span>read {Format.Count(result.Scanned)} entries{(result.Below is { } b ? ", older ones from #" + Format.Count(b - 1) + " down not yet" : ", to the oldest")}</span>");
            if (result.Below is { } next) html.Add($"<a href=\"{layout.Url(context, "/failed?" + query + "&below=" + next)}\">Older matches ›</a>");
            html.Add($"</nav>");
        }
        return RawHtml.From(html);
    }

    /// <summary>resque-web does not show "retry_attempts"; an operator asks how often the job ran before it landed here.</summary>
    private static RawHtml Attempts(int attempts)
    {
        var h = new Html();
        h.Add($"<dt>Attempts</dt><dd>{attempts}, then given up</dd>");
        return RawHtml.From(h);
    }

    private static RawHtml RetriedAt(string at)
    {
        var h = new Html();
        h.Add($"<dt>Retried at</dt><dd>{at}</dd>");
        return RawHtml.From(h);
    }

    private static RawHtml RowButtons(string id)
    {
        var h = new Html();
        h.Add($"<button type=\"submit\" name=\"act\" value=\"retry:{id}\">Retry</button> <button type=\"submit\" name=\"act\" value=\"remove:{id}\" class=\"danger\">Remove</button>");
        return RawHtml.From(h);
    }

    public async Task<RawHtml> ConfirmBulkAsync(IDatabase db, HttpContext context, Layout layout)
    {
        var filter = FilterOf(context.Request.Query);
        var op = context.Request.Query["op"].ToString() == "remove" ? "remove" : "retry";
        var total = await db.ListLengthOrZeroAsync(keys.Failed).ConfigureAwait(false);
        var html = new Html();
        var what = filter.IsEmpty ? $"every entry ({Format.Count(total)})" : "every entry matching " + Describe(filter);
        html.Add($"<h1>{(op == "retry" ? "Retry" : "Remove")} {what}?</h1>");
        html.Add($"<p>Each press does at most {BulkMax} entries, newest first, and says whether more remain. {(op == "retry" ? "Retried entries stay in the list with retried_at set, as in Resque." : "Removed entries are gone for good.")}</p>");
        html.Add($"<form method=\"post\" action=\"{layout.Url(context, "/failed/action")}\">{layout.AntiforgeryField(context)}");
        html.Add($"<input type=\"hidden\" name=\"class\" value=\"{filter.Class}\"><input type=\"hidden\" name=\"queue\" value=\"{filter.Queue}\"><input type=\"hidden\" name=\"error\" value=\"{filter.Error}\">");
        var query = Pager.Query(("class", filter.Class), ("queue", filter.Queue), ("error", filter.Error));
        html.Add($"<input type=\"hidden\" name=\"back\" value=\"{"/failed" + (query.Length > 0 ? "?" + query : "")}\">");
        html.Add($"<button type=\"submit\" name=\"act\" value=\"{op}-matching\" class=\"{(op == "remove" ? "danger" : "")}\">Yes, {op}</button> <a href=\"{layout.Url(context, "/failed" + (query.Length > 0 ? "?" + query : ""))}\">Cancel</a></form>");
        return RawHtml.From(html);
    }

    private static string Describe(FailedFilter f) =>
        string.Join(", ", new[] { ("class", f.Class), ("queue", f.Queue), ("error", f.Error) }.Where(p => p.Item2 is not null).Select(p => $"{p.Item1} ~ \"{p.Item2}\""));

    /// <summary>Does what a button of the failed form asked; returns the line shown after the redirect.</summary>
    public async Task<string> ActAsync(IDatabase db, IFormCollection form)
    {
        var act = form["act"].ToString();
        var failed = new FailedJobs(db, keys);
        var colon = act.IndexOf(':', StringComparison.Ordinal);
        if (colon > 0)
        {
            var op = act[..colon];
            var entry = await FindAsync(failed, act[(colon + 1)..]).ConfigureAwait(false);
            if (entry is null) return "that entry is gone or moved (removed meanwhile?); nothing was changed";
            return op switch
            {
                "retry" => await RetryAsync(failed, entry).ConfigureAwait(false) ? $"retried 1 job to {entry.Queue}" : "that entry cannot be retried (no queue or payload)",
                "remove" => await RemoveAsync(db, entry).ConfigureAwait(false) ? "removed 1 entry" : "that entry was gone already",
                _ => throw new ArgumentException($"unknown action {op}"),
            };
        }
        switch (act)
        {
            case "retry-selected" or "remove-selected":
                {
                    var retry = act == "retry-selected";
                    var entries = new List<FailedJob>();
                    foreach (var id in form["selected"])
                        if (id is not null && await FindAsync(failed, id).ConfigureAwait(false) is { } e) entries.Add(e);
                    var done = 0;
                    // Highest index first, so a removal never moves an entry still to do.
                    foreach (var e in entries.OrderByDescending(e => e.Index))
                        if (retry ? await RetryAsync(failed, e).ConfigureAwait(false) : await RemoveAsync(db, e).ConfigureAwait(false)) done++;
                    var missed = form["selected"].Count - done;
                    return $"{(retry ? "retried" : "removed")} {done} of {form["selected"].Count} selected{(missed > 0 ? $" ({missed} gone, moved or unretryable)" : "")}";
                }
            case "retry-matching" or "remove-matching":
                {
                    var retry = act == "retry-matching";
                    var filter = FilterOf(form);
                    var result = await new FailedBrowser(db, keys).ForEachMatchAsync(filter,
                        e => retry ? RetryAsync(failed, e) : RemoveAsync(db, e), BulkMax, BulkBudget).ConfigureAwait(false);
                    return $"{(retry ? "retried" : "removed")} {result.Done} {(filter.IsEmpty ? "entries" : "matching entries")}{(result.More ? "; more may remain: press again" : "")}";
                }
            default:
                throw new ArgumentException("no action chosen");
        }
    }

    /// <summary>The entry named "index:digest", if it is still at that index with that exact text.</summary>
    private static async Task<FailedJob?> FindAsync(FailedJobs failed, string id)
    {
        var parts = id.Split(':');
        if (parts.Length != 2 || Format.Long(parts[0]) is not { } index) return null;
        var entry = await failed.GetAsync(index).ConfigureAwait(false);
        return entry is not null && Digest(entry.Raw) == parts[1] ? entry : null;
    }

    private static async Task<bool> RetryAsync(FailedJobs failed, FailedJob entry) =>
        (await failed.RetryAsync(entry).ConfigureAwait(false)).Outcome == RetryOutcome.Retried;

    /// <summary>Removes the entry keyed on its exact text (failed_edit.lua finds it again if it moved).</summary>
    private Task<bool> RemoveAsync(IDatabase db, FailedJob entry) => new FailedJobs(db, keys).RemoveAsync(entry);
}
