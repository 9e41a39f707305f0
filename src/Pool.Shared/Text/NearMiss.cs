namespace Pool.Text;

/// <summary>
/// "Did you mean ...?" for every name a user types: config keys, environment sections, job
/// classes, command-line options and commands. One rule everywhere, so a typo is caught the same
/// way in pool.yml and on the command line.
/// </summary>
internal static class NearMiss
{
    /// <summary>
    /// The candidate <paramref name="wanted"/> is a near miss of, case ignored: the same but for
    /// case, or one edit away for names of up to 5 characters, two for longer ones. Null when none is.
    /// </summary>
    public static string? Closest(string wanted, IEnumerable<string> candidates)
    {
        var lower = wanted.ToLowerInvariant();
        var allowed = lower.Length <= 5 ? 1 : 2;
        return candidates
            .Select(c => (Name: c, Distance: EditDistance(c.ToLowerInvariant(), lower)))
            .Where(c => c.Distance <= allowed && c.Name != wanted)
            .OrderBy(c => c.Distance)
            .Select(c => c.Name)
            .FirstOrDefault();
    }

    /// <summary>Edits (insert, delete, replace, swap two neighbours) between two short strings; int.MaxValue past 2 in length alone.</summary>
    public static int EditDistance(string a, string b)
    {
        if (Math.Abs(a.Length - b.Length) > 2) return int.MaxValue;
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        }
        return d[a.Length, b.Length];
    }
}
