using System.Globalization;
using System.Text;
using Pool.Protocol.Admin;
using Pool.Protocol.Keys;
using StackExchange.Redis;

namespace Pool.Master.Web.Pages;

/// <summary>The front page: totals, workers, the live per-minute chart, daily history and the biggest queues.</summary>
internal sealed class OverviewPage(ResqueKeys keys, QueueLatency latency, QueueSummaryCache queues)
{
    public const int ChartMinutes = 60;
    private const int ChartWidth = 720, ChartHeight = 140;

    /// <summary>
    /// What the page shows and nothing more: a few counters, the worker registry, the chart's
    /// history, and the queue sizes from the shared <see cref="QueueSummaryCache"/> (never an LLEN
    /// per queue per request); only the ten longest queues' heads are read, for their latency.
    /// </summary>
    public async Task<OverviewData> ReadAsync(IDatabase db)
    {
        var totals = new PoolStatusReader(db, keys).ReadCountersAsync();
        var summary = queues.GetAsync(db);
        var roster = new WorkerRoster(db, keys);
        var ids = roster.IdsAsync();
        var history = new StatsHistory(db, keys);
        var minutes = history.MinutesAsync(ChartMinutes);
        var days = history.DaysAsync(14);
        await Task.WhenAll(totals, summary, ids, minutes, days).ConfigureAwait(false);
        var busy = await roster.BusyCountAsync(ids.Result).ConfigureAwait(false);
        var paused = totals.Result.Pause.Queues.ToHashSet(StringComparer.Ordinal);
        var top = summary.Result.Longest.Select(q => new QueueStatus(q.Name, q.Length, paused.Contains(q.Name))).ToList();
        var heads = top.Select(q => db.ListGetByIndexOrNullAsync(keys.Queue(q.Name), 0)).ToList();
        await Task.WhenAll(heads).ConfigureAwait(false);
        var now = DateTimeOffset.UtcNow;
        var rows = top.Select((q, i) => (q, latency.Measure(q.Name, heads[i].Result.IsNull ? null : (string)heads[i].Result!, now))).ToList();
        return new OverviewData(totals.Result, summary.Result, ids.Result.Count, busy, rows, minutes.Result, days.Result);
    }

    public RawHtml Render(OverviewData d, Layout layout, Microsoft.AspNetCore.Http.HttpContext context)
    {
        var t = d.Totals;
        var html = new Html();
        html.Add($"<h1>Overview</h1>");
        if (t.Pause.All) html.Add($"<div class=\"warn\">All workers are paused (Resque's pause-all-workers flag).</div>");
        html.Add($"<section class=\"cards\">");
        Card(html, "processed", "Processed", t.Processed);
        Card(html, "failed", "Failed", t.Failed);
        Card(html, "failed_list", "In failed list", t.FailedListLength);
        Card(html, "enqueued", "Enqueued", d.Queues.Jobs);
        Card(html, "busy", "Busy workers", d.Busy);
        Card(html, "idle", "Idle workers", d.Workers - d.Busy);
        Card(html, "workers", "Workers", d.Workers);
        Card(html, "queues", "Queues", d.Queues.Queues);
        html.Add($"</section>");

        var last = d.Minutes.Count > 0 ? d.Minutes[^1] : null;
        html.Add($"<h2>Jobs per minute, last hour</h2><p class=\"muted\">Processed <span class=\"key ok\">■</span> and failed <span class=\"key bad\">■</span> per minute, from the samples masters and dashboards keep in Redis; live every 5 s with JavaScript. Last minute: <span data-stat=\"rate_processed\">{last?.Processed ?? 0}</span> processed, <span data-stat=\"rate_failed\">{last?.Failed ?? 0}</span> failed.</p>");
        html.Add($"{Chart(d.Minutes)}");

        html.Add($"<h2>Last 14 days</h2><table><thead><tr><th>Day (UTC)</th><th class=\"num\">Processed</th><th class=\"num\">Failed</th></tr></thead><tbody>");
        foreach (var p in d.Days.Reverse()) html.Add($"<tr><td>{p.From.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}</td><td class=\"num\">{Format.Count(p.Processed)}</td><td class=\"num\">{Format.Count(p.Failed)}</td></tr>");
        if (d.Days.Count == 0) html.Add($"<tr><td colspan=\"3\" class=\"muted\">No daily history yet: it starts once a master or dashboard has sampled on two days.</td></tr>");
        html.Add($"</tbody></table>");

        html.Add($"<h2>Biggest queues</h2><table><thead><tr><th>Queue</th><th class=\"num\">Size</th><th class=\"num\">Latency</th><th>State</th></tr></thead><tbody>");
        foreach (var (q, lat) in d.TopQueues)
            html.Add($"<tr><td><a href=\"{layout.Url(context, QueuesPage.QueueUrl(q.Name))}\">{q.Name}</a></td><td class=\"num\">{Format.Count(q.Length)}</td><td class=\"num\">{lat.ToString()}</td><td>{(q.Paused ? "paused" : "")}</td></tr>");
        if (d.TopQueues.Count == 0) html.Add($"<tr><td colspan=\"4\" class=\"muted\">No queues.</td></tr>");
        html.Add($"</tbody></table><p class=\"muted\">Sizes as of {Format.Time(d.Queues.At)} (read at most every {(int)QueueSummaryCache.MaxAge.TotalSeconds} s, shared by every viewer). Latency is the age of the job at the head of the queue: exact when its payload has enqueued_at; for Resque payloads (no such field) it is the time since this dashboard first saw that job at the head, shown as “≥”.</p>");
        return RawHtml.From(html);
    }

    private static void Card(Html html, string key, string label, long value) =>
        html.Add($"<div class=\"card\"><div class=\"value\" data-stat=\"{key}\">{Format.Count(value)}</div><div class=\"label\">{label}</div></div>");

    /// <summary>An inline SVG drawn on the server, so the chart shows without JavaScript; the script redraws the same polylines from /api/stats.</summary>
    private static RawHtml Chart(IReadOnlyList<HistoryPoint> minutes)
    {
        var max = Math.Max(1, minutes.Count == 0 ? 1 : minutes.Max(p => Math.Max(p.Processed, p.Failed)));
        var html = new Html();
        html.Add($"<svg id=\"live-chart\" class=\"chart\" viewBox=\"0 0 {ChartWidth} {ChartHeight}\" width=\"{ChartWidth}\" height=\"{ChartHeight}\" role=\"img\" aria-label=\"jobs per minute\" data-width=\"{ChartWidth}\" data-height=\"{ChartHeight}\" data-minutes=\"{ChartMinutes}\">");
        html.Add($"<line class=\"axis\" x1=\"0\" y1=\"{ChartHeight - 1}\" x2=\"{ChartWidth}\" y2=\"{ChartHeight - 1}\"></line>");
        html.Add($"<text class=\"max\" x=\"4\" y=\"12\" data-stat=\"chart_max\">{Format.Count(max)}/min</text>");
        html.Add($"<polyline class=\"processed\" points=\"{Points(minutes, p => p.Processed, max)}\"></polyline>");
        html.Add($"<polyline class=\"failed\" points=\"{Points(minutes, p => p.Failed, max)}\"></polyline></svg>");
        return RawHtml.From(html);
    }

    private static string Points(IReadOnlyList<HistoryPoint> minutes, Func<HistoryPoint, long> value, long max)
    {
        var sb = new StringBuilder();
        var now = DateTimeOffset.UtcNow;
        foreach (var p in minutes)
        {
            var age = (now - p.From).TotalMinutes;
            var x = ChartWidth * (1 - age / ChartMinutes);
            var y = (ChartHeight - 2) * (1 - value(p) / (double)max) + 1;
            sb.Append(CultureInfo.InvariantCulture, $"{x:0.#},{y:0.#} ");
        }
        return sb.ToString().TrimEnd();
    }
}

internal sealed record OverviewData(PoolStatus Totals, QueueSummary Queues, int Workers, int Busy,
    IReadOnlyList<(QueueStatus Queue, Latency Latency)> TopQueues, IReadOnlyList<HistoryPoint> Minutes, IReadOnlyList<HistoryPoint> Days);
