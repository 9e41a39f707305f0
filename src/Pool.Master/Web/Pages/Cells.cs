namespace Pool.Master.Web.Pages;

/// <summary>Small pieces of markup the list pages share.</summary>
internal static class Cells
{
    /// <summary>A row's selection box; <paramref name="form"/> names the form it belongs to when the table is not inside it.</summary>
    public static RawHtml Checkbox(string id, string? form = null)
    {
        var h = new Html();
        if (form is null) h.Add($"<input type=\"checkbox\" name=\"selected\" value=\"{id}\" aria-label=\"select\">");
        else h.Add($"<input type=\"checkbox\" name=\"selected\" value=\"{id}\" form=\"{form}\" aria-label=\"select\">");
        return RawHtml.From(h);
    }

    /// <summary>A second, muted line in a cell.</summary>
    public static RawHtml MutedLine(string text)
    {
        var h = new Html();
        h.Add($"<br><span class=\"muted\">{text}</span>");
        return RawHtml.From(h);
    }
}
