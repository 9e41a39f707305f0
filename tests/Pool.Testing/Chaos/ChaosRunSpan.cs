using System.Globalization;

namespace Pool.Testing.Chaos;

/// <summary>One finished run of a chaos job, as the RecordSpan job wrote it: "tag started ended" in UTC ticks.</summary>
public sealed record ChaosRunSpan(string Tag, long Started, long Ended)
{
    /// <summary>
    /// The finished runs in a RecordSpan file, read while jobs may still be appending to it: only
    /// lines ended by their newline count. A line is one write(2), but one that straddles a page
    /// boundary becomes visible to a reader page by page, so the last line read mid-write can be
    /// cut short ("job-17 6390" once failed the chaos test's parse).
    /// </summary>
    public static IReadOnlyList<ChaosRunSpan> ReadFinished(string path)
    {
        if (!File.Exists(path)) return [];
        var text = File.ReadAllText(path);
        var complete = text[..(text.LastIndexOf('\n') + 1)];
        return [.. complete.Split('\n').Where(l => l.Length > 0).Select(Parse)];
    }

    public static ChaosRunSpan Parse(string line)
    {
        var parts = line.Split(' ');
        return new ChaosRunSpan(parts[0], long.Parse(parts[1], CultureInfo.InvariantCulture), long.Parse(parts[2], CultureInfo.InvariantCulture));
    }

    /// <summary>Tags with two runs that overlapped in time: the same job running on two workers at once.</summary>
    public static IReadOnlyList<string> Overlapping(IEnumerable<ChaosRunSpan> runs) =>
        [.. runs.GroupBy(r => r.Tag).Where(g => g.Count() > 1 && HasOverlap([.. g.OrderBy(r => r.Started)])).Select(g => g.Key)];

    private static bool HasOverlap(List<ChaosRunSpan> sorted)
    {
        for (var i = 1; i < sorted.Count; i++)
            if (sorted[i].Started < sorted[i - 1].Ended) return true;
        return false;
    }

    /// <summary>Lengths of the runs of consecutive tags (in enqueue order) that match: how repeated jobs cluster.</summary>
    public static IReadOnlyList<int> ConsecutiveRuns(IEnumerable<string> tags, Func<string, bool> matches)
    {
        var lengths = new List<int>();
        var current = 0;
        foreach (var tag in tags)
        {
            if (matches(tag)) { current++; continue; }
            if (current > 0) lengths.Add(current);
            current = 0;
        }
        if (current > 0) lengths.Add(current);
        return lengths;
    }
}
