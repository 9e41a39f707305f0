using Microsoft.AspNetCore.Http;
using Pool.Protocol.Admin;
using Pool.Protocol.Keys;
using Pool.Protocol.Recovery;
using StackExchange.Redis;

namespace Pool.Master.Web.Pages;

/// <summary>Every registered worker on every host, Pool's and foreign ones, paged, with its job, its master and staleness.</summary>
internal sealed class WorkersPage(ResqueKeys keys)
{
    public const int PerPage = 100;

    public async Task<RawHtml> RenderAsync(IDatabase db, HttpContext context, Layout layout)
    {
        var filter = context.Request.Query["q"].ToString().Trim();
        var page = Format.Int(context.Request.Query["page"], 1, 1, int.MaxValue);
        var roster = new WorkerRoster(db, keys);
        var idsTask = roster.IdsAsync();
        var mastersTask = new MasterRegistry(db, keys).ReadAsync();
        await Task.WhenAll(idsTask, mastersTask).ConfigureAwait(false);
        var ids = idsTask.Result.Where(w => filter.Length == 0 || w.Id.Contains(filter, StringComparison.OrdinalIgnoreCase)).ToList();
        var shown = ids.Skip((page - 1) * PerPage).Take(PerPage).ToList();
        var rows = await roster.DetailsAsync(shown).ConfigureAwait(false);
        // A master lists each child by its first lane's id; every lane of that process (same
        // machine and pid) has the same master.
        var masterOf = mastersTask.Result
            .SelectMany(m => m.Children.Where(c => c.WorkerId is not null).Select(c => (Process: ProcessOf(c.WorkerId!), Master: m.Id)))
            .GroupBy(x => x.Process).ToDictionary(g => g.Key, g => g.First().Master);

        var html = new Html();
        html.Add($"<h1>Workers <span class=\"muted\">{Format.Count(ids.Count)}</span></h1>");
        html.Add($"<form method=\"get\" action=\"{layout.Url(context, "/workers")}\" class=\"filter\"><label>Host, pid or queue contains <input type=\"search\" name=\"q\" value=\"{filter}\"></label><button type=\"submit\">Filter</button></form>");
        html.Add($"<table><thead><tr><th>Host</th><th class=\"num\">Pid</th><th>Queues</th><th>Kind</th><th>Master</th><th>Job</th><th class=\"num\">Running for</th><th>State</th></tr></thead><tbody>");
        foreach (var w in rows.OrderBy(r => r.Host, StringComparer.Ordinal).ThenBy(r => r.Pid))
        {
            var job = w.Job is { } j ? $"{j.Class ?? "(unreadable)"} {Format.Clip(j.Args, 60)}" : "idle";
            var state = w.Stale ? "stale" : w.Job is null ? "idle" : "busy";
            var css = w.Stale ? "stale" : "";
            html.Add($"<tr class=\"{css}\"><td>{w.Host}</td><td class=\"num\">{w.Pid?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"}</td><td>{w.Queues}</td><td>{(w.Pool ? "Pool" : "foreign")}</td><td>{(masterOf.TryGetValue(ProcessOf(w.Id), out var m) ? m : "—")}</td><td>{(w.Job is { Queue.Length: > 0 } jq ? jq.Queue + ": " : "")}{job}</td><td class=\"num\">{Format.Duration(w.Job?.RunFor)}</td><td>{state}</td></tr>");
        }
        if (rows.Count == 0) html.Add($"<tr><td colspan=\"8\" class=\"muted\">No workers registered.</td></tr>");
        html.Add($"</tbody></table>");
        html.Add($"{Pager.Pages(context, layout, "/workers", page, (ids.Count + PerPage - 1) / PerPage, ("q", filter))}");
        html.Add($"<p class=\"muted\">Stale: a Pool worker whose liveness lease has lapsed (a sweep will put its job back), or a foreign worker whose Resque heartbeat is older than {WorkerRoster.StaleHeartbeat.TotalMinutes} minutes.</p>");
        return RawHtml.From(html);
    }

    /// <summary>The process a worker id belongs to: its machine (without a lane mark) and pid.</summary>
    private static (string Machine, int? Pid) ProcessOf(string workerId)
    {
        var (host, pid, _) = WorkerIdentity.Parse(workerId);
        return (WorkerLanes.MachineOf(host), pid);
    }
}
