using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Pool.Bench.Harness;

/// <summary>Prints the summaries as a Markdown table (pasteable into the README) and writes --json.</summary>
public static class Report
{
    public static string Table(IReadOnlyList<Summary> summaries)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine("| figure | median | min | max | runs | unit | what |");
        sb.AppendLine("|---|---:|---:|---:|---:|---|---|");
        foreach (var s in summaries)
            sb.AppendLine(inv, $"| {s.Name} | {Format(s.Median)} | {Format(s.Min)} | {Format(s.Max)} | {s.Runs} | {s.Unit} | {s.Description} |");
        return sb.ToString();
    }

    public static void WriteJson(string path, IReadOnlyList<Summary> summaries, IReadOnlyDictionary<string, string> machine)
    {
        var document = new
        {
            generated_at = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
            machine,
            figures = summaries.ToDictionary(s => s.Name, s => new { median = s.Median, min = s.Min, max = s.Max, runs = s.Runs, unit = s.Unit }),
        };
        File.WriteAllText(path, JsonSerializer.Serialize(document, new JsonSerializerOptions { WriteIndented = true }));
    }

    private static string Format(double value) => Math.Abs(value) switch
    {
        >= 1000 => value.ToString("N0", CultureInfo.InvariantCulture),
        >= 10 => value.ToString("0.0", CultureInfo.InvariantCulture),
        _ => value.ToString("0.00", CultureInfo.InvariantCulture),
    };
}
