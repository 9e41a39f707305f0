using Microsoft.AspNetCore.Http;
using Pool.Protocol.Admin;
using Pool.Protocol.Keys;
using StackExchange.Redis;

namespace Pool.Master.Web.Pages;

/// <summary>Every live pool-master from the snapshots they publish; signal buttons only for the master this dashboard runs in.</summary>
internal sealed class MastersPage(ResqueKeys keys)
{
    /// <summary>The signals the page offers: reload, one more worker per group, one fewer, graceful stop. Never KILL or TERM of workers.</summary>
    public static readonly string[] SafeSignals = ["HUP", "TTIN", "TTOU", "QUIT"];

    public async Task<RawHtml> RenderAsync(IDatabase db, HttpContext context, Layout layout)
    {
        var masters = await new MasterRegistry(db, keys).ReadAsync().ConfigureAwait(false);
        var now = DateTimeOffset.UtcNow;
        var html = new Html();
        html.Add($"<h1>Masters <span class=\"muted\">{masters.Count}</span></h1>");
        if (masters.Count == 0) html.Add($"<p class=\"muted\">No pool-master has published a snapshot in the last few seconds.</p>");
        foreach (var m in masters)
        {
            var local = layout.Options.LocalMasterPid == m.Pid && m.Host == Pool.Protocol.Recovery.WorkerIdentity.Host;
            html.Add($"<section class=\"master\" data-master=\"{m.Id}\"><h2>{m.Host} <span class=\"muted\">pid {m.Pid}</span></h2>");
            html.Add($"<p>State <strong>{m.State}</strong> · up {Format.Duration(now - m.StartedAt)} · {m.Children.Count} slots · {m.Restarts} restarts · RSS {Format.Bytes(m.RssBytes)} · seen {Format.Duration(now - m.At)} ago</p>");
            if (local)
            {
                html.Add($"<p class=\"signals\">");
                foreach (var s in SafeSignals) html.Add($"{layout.Button(context, "/masters/signal", s, [("signal", s), ("back", "/masters")])} ");
                html.Add($"<span class=\"muted\">HUP reloads pool.yml, TTIN/TTOU add/remove a worker per group (an autoscaled group's range moves by one), QUIT stops gracefully.</span></p>");
            }
            html.Add($"<table><thead><tr><th>Group</th><th class=\"num\">Slot</th><th class=\"num\">Pid</th><th>State</th><th class=\"num\">Up</th><th class=\"num\">RSS</th><th class=\"num\">Restarts</th><th>Backoff</th></tr></thead><tbody>");
            foreach (var c in m.Children)
            {
                var backoff = c.CrashLooping ? "crash-looping" : "";
                if (c.NextSpawnAt is { } at) backoff += (backoff.Length > 0 ? ", " : "") + "next start in " + Format.Duration(at - now);
                html.Add($"<tr><td>{c.Group}</td><td class=\"num\">{c.Slot}</td><td class=\"num\">{c.Pid?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "—"}</td><td>{c.State}</td><td class=\"num\">{Format.Duration(c.StartedAt is { } s ? now - s : null)}</td><td class=\"num\">{Format.Bytes(c.RssBytes)}</td><td class=\"num\">{c.Restarts}</td><td>{backoff}</td></tr>");
            }
            html.Add($"</tbody></table></section>");
        }
        return RawHtml.From(html);
    }
}
