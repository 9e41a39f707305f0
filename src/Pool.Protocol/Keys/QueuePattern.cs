using System.Text.RegularExpressions;

namespace Pool.Protocol.Keys;

/// <summary>
/// Resque 2's dynamic queues in a worker's queue list: "*" is every known queue, and a name with
/// *, ? or [ is a File.fnmatch pattern over the known queues (resque:queues), each expanded in
/// alphabetical order where it stands. The reserve script expands them the same way
/// (priority and glob_pattern in common.lua); this is the C# side, for what the master reads.
/// </summary>
public static class QueuePattern
{
    /// <summary>Whether <paramref name="queue"/> is a pattern other than "*" alone.</summary>
    public static bool IsPattern(string queue) => queue != "*" && queue.AsSpan().IndexOfAny("*?[") >= 0;

    /// <summary>Whether <paramref name="queue"/> stands for other queues ("*" or a pattern), so the known queues must be read.</summary>
    public static bool IsDynamic(string queue) => queue == "*" || IsPattern(queue);

    /// <summary>The queues <paramref name="list"/> takes from, in priority order, given every known queue (<paramref name="known"/>).</summary>
    public static IReadOnlyList<string> Expand(IEnumerable<string> list, IEnumerable<string> known)
    {
        var sorted = known.Order(StringComparer.Ordinal).ToList();
        var order = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var queue in list)
        {
            IEnumerable<string> names = queue == "*" ? sorted : [queue];
            if (IsPattern(queue))
            {
                var matcher = Matcher(queue);
                names = sorted.Where(name => matcher.IsMatch(name));
            }
            foreach (var name in names)
            {
                if (seen.Add(name)) order.Add(name);
            }
        }
        return order;
    }

    /// <summary>The fnmatch pattern as an anchored regex: * any run, ? one character, [abc] [a-z] [!x] [^x] a set.</summary>
    internal static Regex Matcher(string pattern)
    {
        var regex = new System.Text.StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            var close = c == '[' && i + 2 < pattern.Length ? pattern.IndexOf(']', i + 2) : -1;
            // "[!]" and "[^]" close nothing (fnmatch reads that ']' as a member): the '[' is literal.
            if (close > 0 && pattern[(i + 1)..close] is "!" or "^") close = -1;
            if (c == '*') regex.Append("(?s:.*)");
            else if (c == '?') regex.Append("(?s:.)");
            else if (close > 0)
            {
                var set = pattern[(i + 1)..close];
                // Negated by ! (fnmatch) or ^ (Ruby's too, as in a Regexp).
                regex.Append('[').Append(set[0] is '!' or '^' ? "^" + Escape(set[1..]) : Escape(set)).Append(']');
                i = close;
            }
            else regex.Append(Regex.Escape(c.ToString()));
        }
        return new Regex(regex.Append('$').ToString(), RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));
    }

    // Inside a set only these mean something to .NET and not to fnmatch ('-' ranges mean the same).
    private static string Escape(string set) => set.Replace(@"\", @"\\").Replace("[", @"\[").Replace("^", @"\^");
}
