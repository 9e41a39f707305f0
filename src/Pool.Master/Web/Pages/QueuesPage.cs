using Microsoft.AspNetCore.Http;
using Pool.Protocol.Admin;
using Pool.Protocol.Keys;
using StackExchange.Redis;

namespace Pool.Master.Web.Pages;

/// <summary>Queues: a filtered, paged list with size, latency and pause state; one queue's jobs in windows.</summary>
internal sealed class QueuesPage(ResqueKeys keys, QueueLatency latency)
{
    public const int QueuesPerPage = 50;
    public const int JobsPerPage = 25;

    public async Task<RawHtml> ListAsync(IDatabase db, HttpContext context, Layout layout)
    {
        var filter = context.Request.Query["q"].ToString().Trim();
        var page = Format.Int(context.Request.Query["page"], 1, 1, int.MaxValue);
        var result = await new QueueBrowser(db, keys).ListAsync(filter, (page - 1) * QueuesPerPage, QueuesPerPage).ConfigureAwait(false);
        var now = DateTimeOffset.UtcNow;
        var html = new Html();
        html.Add($"<h1>Queues <span class=\"muted\">{Format.Count(result.Total)}</span></h1>");
        html.Add($"<form method=\"get\" action=\"{layout.Url(context, "/queues")}\" class=\"filter\"><label>Name contains <input type=\"search\" name=\"q\" value=\"{filter}\"></label><button type=\"submit\">Filter</button></form>");
        html.Add($"<table><thead><tr><th>Queue</th><th class=\"num\">Size</th><th class=\"num\">Latency</th><th>State</th><th></th></tr></thead><tbody>");
        var back = PageRunner.BackTo(context);
        foreach (var q in result.Rows)
        {
            var lat = latency.Measure(q.Name, q.Oldest, now);
            var toggle = q.Paused
                ? layout.Button(context, "/queues/resume", "Resume", [("queue", q.Name), ("back", back)])
                : layout.Button(context, "/queues/pause", "Pause", [("queue", q.Name), ("back", back)]);
            html.Add($"<tr data-queue=\"{q.Name}\"><td><a href=\"{layout.Url(context, QueueUrl(q.Name))}\">{q.Name}</a></td><td class=\"num\">{Format.Count(q.Length)}</td><td class=\"num\">{lat.ToString()}</td><td>{(q.Paused ? "paused" : "active")}</td><td>{toggle}</td></tr>");
        }
        if (result.Rows.Count == 0) html.Add($"<tr><td colspan=\"5\" class=\"muted\">No queue{(filter.Length > 0 ? " matches" : "")}.</td></tr>");
        html.Add($"</tbody></table>");
        html.Add($"{Pager.Pages(context, layout, "/queues", page, (result.Total + QueuesPerPage - 1) / QueuesPerPage, ("q", filter))}");
        html.Add($"<p class=\"muted\">Pause and resume act on Pool's per-queue switch (Pool workers only; Ruby workers ignore it). Latency: the age of the job at the head; “≥” marks a lower bound for payloads without enqueued_at.</p>");
        return RawHtml.From(html);
    }

    public async Task<RawHtml> QueueAsync(IDatabase db, HttpContext context, Layout layout, string name)
    {
        var offset = Format.Long(context.Request.Query["offset"]) ?? 0;
        var window = await new QueueBrowser(db, keys).JobsAsync(name, offset, JobsPerPage).ConfigureAwait(false);
        var self = QueueUrl(name);
        var back = self + (offset > 0 ? "&offset=" + offset : "");
        var html = new Html();
        html.Add($"<h1>Queue {name} <span class=\"muted\">{Format.Count(window.Length)} jobs{(window.Paused ? ", paused" : "")}</span></h1><p>");
        html.Add($"{(window.Paused ? layout.Button(context, "/queues/resume", "Resume queue", [("queue", name), ("back", back)]) : layout.Button(context, "/queues/pause", "Pause queue", [("queue", name), ("back", back)]))} ");
        if (!layout.Options.ReadOnly && window.Length > 0) html.Add($"<a class=\"button danger\" href=\"{layout.Url(context, "/queue/clear?name=" + Uri.EscapeDataString(name))}\">Clear queue…</a>");
        html.Add($"</p><table><thead><tr><th class=\"num\">#</th><th>Class</th><th>Args</th><th></th></tr></thead><tbody>");
        for (var i = 0; i < window.Jobs.Count; i++)
        {
            var raw = window.Jobs[i];
            var (cls, args) = JobText.ClassAndArgs(raw);
            html.Add($"<tr><td class=\"num\">{window.Offset + i}</td><td>{cls}</td><td><details><summary><code>{Format.Clip(args)}</code></summary><pre>{raw}</pre></details></td><td>{layout.Button(context, "/queue/delete", "Delete", [("name", name), ("payload", raw), ("back", back)], "danger")}</td></tr>");
        }
        if (window.Jobs.Count == 0) html.Add($"<tr><td colspan=\"4\" class=\"muted\">No jobs here.</td></tr>");
        html.Add($"</tbody></table>");
        html.Add($"{Pager.Offsets(context, layout, self, offset, JobsPerPage, window.Length)}");
        return RawHtml.From(html);
    }

    public static string QueueUrl(string name) => "/queue?name=" + Uri.EscapeDataString(name);

    public async Task<RawHtml> ConfirmClearAsync(IDatabase db, HttpContext context, Layout layout, string name)
    {
        var length = await db.ListLengthOrZeroAsync(keys.Queue(name)).ConfigureAwait(false);
        var self = QueueUrl(name);
        var html = new Html();
        html.Add($"<h1>Clear queue {name}?</h1><p>This deletes all {Format.Count(length)} jobs waiting in {name}. Jobs already running are not touched. It cannot be undone.</p>");
        html.Add($"<p>{layout.Button(context, "/queue/clear", "Yes, delete " + Format.Count(length) + " jobs", [("name", name), ("back", self)], "danger")} <a href=\"{layout.Url(context, self)}\">Cancel</a></p>");
        return RawHtml.From(html);
    }
}
