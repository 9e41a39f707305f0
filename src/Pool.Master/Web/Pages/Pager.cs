using Microsoft.AspNetCore.Http;

namespace Pool.Master.Web.Pages;

/// <summary>Paging links, plain GETs (bookmarkable, no JavaScript).</summary>
internal static class Pager
{
    public static RawHtml Pages(HttpContext context, Layout layout, string path, int page, int pages, params (string Name, string Value)[] keep)
    {
        if (pages <= 1) return RawHtml.Empty;
        var html = new Html();
        html.Add($"<nav class=\"pager\">");
        Link(html, context, layout, path, "« First", page > 1 ? 1 : null, keep);
        Link(html, context, layout, path, "‹ Prev", page > 1 ? page - 1 : null, keep);
        html.Add($"<span>page {page} of {pages}</span>");
        Link(html, context, layout, path, "Next ›", page < pages ? page + 1 : null, keep);
        Link(html, context, layout, path, "Last »", page < pages ? pages : null, keep);
        html.Add($"</nav>");
        return RawHtml.From(html);
    }

    public static RawHtml Offsets(HttpContext context, Layout layout, string path, long offset, int size, long total)
    {
        if (total <= size) return RawHtml.Empty;
        path += path.Contains('?', StringComparison.Ordinal) ? "&" : "?";
        var html = new Html();
        html.Add($"<nav class=\"pager\">");
        if (offset > 0) html.Add($"<a href=\"{layout.Url(context, path + "offset=" + Math.Max(0, offset - size))}\">‹ Prev</a>");
        html.Add($"<span>{Format.Count(offset)}–{Format.Count(Math.Min(total, offset + size) - 1)} of {Format.Count(total)}</span>");
        if (offset + size < total) html.Add($"<a href=\"{layout.Url(context, path + "offset=" + (offset + size))}\">Next ›</a>");
        html.Add($"<a href=\"{layout.Url(context, path + "offset=" + Math.Max(0, (total - 1) / size * size))}\">Last »</a>");
        html.Add($"</nav>");
        return RawHtml.From(html);
    }

    public static string Query(params (string Name, string? Value)[] pairs) =>
        string.Join('&', pairs.Where(p => !string.IsNullOrEmpty(p.Value)).Select(p => p.Name + "=" + Uri.EscapeDataString(p.Value!)));

    private static void Link(Html html, HttpContext context, Layout layout, string path, string label, int? page, (string Name, string Value)[] keep)
    {
        if (page is not { } p)
        {
            html.Add($"<span class=\"off\">{label}</span>");
            return;
        }
        var query = Query([.. keep.Select(k => (k.Name, (string?)k.Value)), ("page", p.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
        html.Add($"<a href=\"{layout.Url(context, path + "?" + query)}\">{label}</a>");
    }
}
