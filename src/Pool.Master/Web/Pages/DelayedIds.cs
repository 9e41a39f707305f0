using System.Globalization;
using Microsoft.AspNetCore.Http;
using Pool.Protocol.Scheduling;

namespace Pool.Master.Web.Pages;

/// <summary>
/// What the Scheduled and Retries pages share: a row names its delayed entry by its second and a
/// digest of its exact text ("1767225600:AB12..."), so an action finds that entry again in that
/// one bucket and never hits another; and pages are cursors (a second and how many of its jobs
/// to skip), plain GET links.
/// </summary>
internal static class DelayedIds
{
    /// <summary>At most this many selected rows per action (a page's worth and then some).</summary>
    public const int MaxSelected = 200;

    public static string Of(DelayedEntry entry) => entry.At.ToString(CultureInfo.InvariantCulture) + ":" + FailedPage.Digest(entry.Raw);

    /// <summary>The entry an id names, read again from its bucket; null when it is gone (run, removed) or the id is malformed.</summary>
    public static async Task<DelayedEntry?> FindAsync(DelayedQueue delayed, string? id)
    {
        var parts = (id ?? "").Split(':');
        if (parts.Length != 2 || !long.TryParse(parts[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var at)) return null;
        return await delayed.FindAsync(at, text => FailedPage.Digest(text) == parts[1]).ConfigureAwait(false);
    }

    /// <summary>The selected ids of a form or query, distinct, at most <see cref="MaxSelected"/>.</summary>
    public static IReadOnlyList<string> Selected(Microsoft.Extensions.Primitives.StringValues values) =>
        values.OfType<string>().Where(v => v.Length > 0).Distinct(StringComparer.Ordinal).Take(MaxSelected).ToList();

    /// <summary>The page's cursor: ?at=SECOND&amp;skip=N, or ?from=TIME (a UTC time or Unix seconds), else the start.</summary>
    public static DelayedCursor Cursor(IQueryCollection query)
    {
        if (Format.Long(query["at"]) is { } at) return new DelayedCursor(at, Format.Long(query["skip"]) ?? 0);
        if (From(query["from"]) is { } from) return new DelayedCursor(from.ToUnixTimeSeconds(), 0);
        return DelayedCursor.Start;
    }

    public static DateTimeOffset? From(string? text)
    {
        text = text?.Trim();
        if (string.IsNullOrEmpty(text)) return null;
        // Past year 9999 a Unix second has no DateTimeOffset (the page failed with a 500): the last one there is.
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var unix))
            return unix <= DateTimeOffset.MaxValue.ToUnixTimeSeconds() ? DateTimeOffset.FromUnixTimeSeconds(unix) : DateTimeOffset.MaxValue;
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;
    }

    public static string Query(DelayedCursor cursor) =>
        "at=" + cursor.At.ToString(CultureInfo.InvariantCulture) + (cursor.Skip > 0 ? "&skip=" + cursor.Skip.ToString(CultureInfo.InvariantCulture) : "");

    /// <summary>"in 4m 10s" or "3 s overdue": how far a due time is from now.</summary>
    public static string Relative(DateTimeOffset due, DateTimeOffset now) =>
        due >= now ? "in " + Format.Duration(due - now) : Format.Duration(now - due) + " overdue";

    /// <summary>The "Due from" form: jumps to the first entry at or after a time (a GET, so the result is bookmarkable).</summary>
    public static RawHtml FromForm(HttpContext context, Layout layout, string path, string id)
    {
        var html = new Html();
        html.Add($"<form method=\"get\" action=\"{layout.Url(context, path)}\" class=\"filter\" id=\"{id}\"><label>Due from (UTC) <input type=\"search\" name=\"from\" value=\"{context.Request.Query["from"].ToString()}\" placeholder=\"2026-12-01 18:00\"></label><button type=\"submit\">Go</button> <a href=\"{layout.Url(context, path)}\">Earliest</a></form>");
        return RawHtml.From(html);
    }

    /// <summary>« Earliest and Later › links: a cursor moves forward only (the schedule has no cheap way back).</summary>
    public static RawHtml Pager(HttpContext context, Layout layout, string path, DelayedCursor shown, DelayedCursor? next, string? note = null)
    {
        if (shown == DelayedCursor.Start && next is null && note is null) return RawHtml.Empty;
        var html = new Html();
        html.Add($"<nav class=\"pager\">");
        if (shown != DelayedCursor.Start) html.Add($"<a href=\"{layout.Url(context, path)}\">« Earliest</a>");
        else html.Add($"<span class=\"off\">« Earliest</span>");
        if (note is not null) html.Add($"<span>{note}</span>");
        if (next is { } n) html.Add($"<a href=\"{layout.Url(context, path + "?" + Query(n))}\" rel=\"next\">Later ›</a>");
        else html.Add($"<span class=\"off\">Later ›</span>");
        html.Add($"</nav>");
        return RawHtml.From(html);
    }
}
