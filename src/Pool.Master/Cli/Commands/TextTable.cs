using System.Text;

namespace Pool.Master.Cli.Commands;

/// <summary>Left-aligned columns for a terminal; numbers are right-aligned when a column says so.</summary>
internal sealed class TextTable(params string[] headers)
{
    private readonly List<string[]> _rows = [];
    private readonly HashSet<int> _right = [];

    public TextTable AlignRight(int column)
    {
        _right.Add(column);
        return this;
    }

    /// <summary>The widest a cell is shown: one huge job argument made every row of a list that wide.</summary>
    public const int MaxCell = 120;

    /// <summary>
    /// Adds a row. Cells hold Redis data anyone can write (queue names, job arguments): each is
    /// shown on one line, control characters escaped, and cut at <see cref="MaxCell"/> characters.
    /// </summary>
    public void Add(params string[] cells) => _rows.Add([.. cells.Select(c => Pool.Logging.LogValueSanitizer.Clean(c, MaxCell))]);

    public string Render(string indent = "  ")
    {
        var widths = headers.Select((h, i) => _rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        var sb = new StringBuilder();
        foreach (var row in _rows.Prepend(headers))
        {
            sb.Append(indent);
            for (var i = 0; i < row.Length; i++)
            {
                var last = i == row.Length - 1;
                var cell = _right.Contains(i) ? row[i].PadLeft(widths[i]) : last ? row[i] : row[i].PadRight(widths[i]);
                sb.Append(cell);
                if (!last) sb.Append("  ");
            }
            sb.Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>3s, 2m05s, 1h02m: short enough for a column.</summary>
    public static string Duration(TimeSpan? t)
    {
        if (t is not { } d) return "?";
        if (d < TimeSpan.Zero) d = TimeSpan.Zero;
        if (d.TotalMinutes < 1) return $"{d.TotalSeconds:0}s";
        if (d.TotalHours < 1) return $"{(int)d.TotalMinutes}m{d.Seconds:00}s";
        return $"{(int)d.TotalHours}h{d.Minutes:00}m";
    }

    public static string Plural(long n, string one, string many) => $"{n} {(n == 1 ? one : many)}";
}
