using System.Globalization;

namespace Pool.Master.Tests.Ops;

/// <summary>The samples of a Prometheus text exposition, keyed by series as Prometheus names it (`name` or `name{labels}`).</summary>
internal static class PrometheusText
{
    public static Dictionary<string, double> Samples(string text)
    {
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var space = line.LastIndexOf(' ');
            // `name{}` and `name` are the same series.
            var series = line[..space].Replace("{}", "", StringComparison.Ordinal);
            samples.Add(series, double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture));
        }
        return samples;
    }
}
