using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;

namespace Pool.Master.Web;

/// <summary>The frame around every page: header, tabs, banners, and the forms' anti-forgery field.</summary>
internal sealed class Layout(DashboardOptions options, IAntiforgery antiforgery)
{
    private static readonly (string Path, string Name)[] Tabs =
        [
            ("/", "Overview"), ("/queues", "Queues"), ("/workers", "Workers"), ("/masters", "Masters"), ("/failed", "Failed"),
            ("/scheduled", "Scheduled"), ("/retries", "Retries"), ("/recurring", "Recurring"),
        ];

    public DashboardOptions Options => options;

    /// <summary>A link to a dashboard path, under the path base when there is one.</summary>
    public string Url(HttpContext context, string path) => context.Request.PathBase + path;

    /// <summary>The hidden anti-forgery field; issues the cookie on the first page that needs one.</summary>
    public RawHtml AntiforgeryField(HttpContext context)
    {
        var tokens = antiforgery.GetAndStoreTokens(context);
        var html = new Html();
        html.Add($"<input type=\"hidden\" name=\"{tokens.FormFieldName}\" value=\"{tokens.RequestToken}\">");
        return RawHtml.From(html);
    }

    /// <summary>A one-button POST form. Hidden in read-only mode, where the server refuses the POST anyway.</summary>
    public RawHtml Button(HttpContext context, string action, string label, IEnumerable<(string Name, string Value)>? fields = null, string css = "")
    {
        if (options.ReadOnly) return RawHtml.Empty;
        var html = new Html();
        html.Add($"<form method=\"post\" action=\"{Url(context, action)}\" class=\"inline\">{AntiforgeryField(context)}");
        foreach (var (name, value) in fields ?? []) html.Add($"<input type=\"hidden\" name=\"{name}\" value=\"{value}\">");
        html.Add($"<button type=\"submit\" class=\"{css}\">{label}</button></form>");
        return RawHtml.From(html);
    }

    /// <param name="redisDown">Why Redis gave no answer, for the banner; null when it answered.</param>
    /// <param name="failure">Why the page could not be drawn, for the banner; null when it was.</param>
    public string Render(HttpContext context, string title, string tab, RawHtml body, string? redisDown, string redisUrl, string? failure = null)
    {
        var html = new Html();
        var asset = Url(context, "/assets/");
        html.Add($"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{title} · Pool</title>
            <link rel="stylesheet" href="{asset}dashboard.css">
            <link rel="icon" href="{asset}favicon.svg" type="image/svg+xml">
            <script src="{asset}dashboard.js" defer></script>
            </head><body>
            <header><a class="brand" href="{Url(context, "/")}">Pool</a><nav>
            """);
        foreach (var (path, name) in Tabs)
        {
            var current = name == tab ? new RawHtml(" aria-current=\"page\"") : RawHtml.Empty;
            html.Add($"<a href=\"{Url(context, path)}\"{current}>{name}</a>");
        }
        html.Add($"</nav><span class=\"where\">{redisUrl}</span>");
        if (options.ReadOnly) html.Add($"<span class=\"badge\">read-only</span>");
        html.Add($"</header>");
        if (redisDown is not null)
            html.Add($"<div class=\"banner\" role=\"alert\"><strong>Redis is not answering</strong> at {redisUrl}: {redisDown}. What is shown may be missing or old; this page gave up waiting after a second.</div>");
        if (failure is not null) html.Add($"<div class=\"banner\" role=\"alert\">{failure}</div>");
        if (context.Request.Query["msg"].ToString() is { Length: > 0 } msg)
            html.Add($"<div class=\"flash\" role=\"status\">{msg}</div>");
        html.Add($"<main>{body}</main><footer>Pool dashboard · {DateTimeOffset.UtcNow.ToString("yyyy-MM-dd HH:mm:ss")} UTC</footer></body></html>");
        return html.ToString();
    }
}
