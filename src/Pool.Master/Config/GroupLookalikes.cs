using YamlDotNet.RepresentationModel;

namespace Pool.Master.Config;

/// <summary>
/// Catches a group whose `count:` was misspelt. Without `count` such a mapping reads as an
/// environment section, which runs only under its own environment, so the group would vanish
/// without a word. A section that holds a group option by its exact name (term_timeout, ...)
/// is surely a broken group: an error. A section whose key is only close to an option's name
/// (`cont: 3`) may be a real queue, so that is a warning, shown by `check` and logged by `run`.
/// </summary>
internal static class GroupLookalikes
{
    /// <summary>Throws for a section that holds group options; returns the warnings for keys that look like one.</summary>
    public static IReadOnlyList<string> Check(string section, YamlMappingNode mapping, ConfigValues values)
    {
        var keys = mapping.Children.Keys.Select(k => (Node: k, Name: values.Key(k))).ToList();
        var options = keys.Where(k => GroupOptions.All.Contains(k.Name)).Select(k => k.Name).ToList();
        if (options.Count > 0)
        {
            var stray = keys.First(k => !GroupOptions.All.Contains(k.Name));
            var guess = Closest(stray.Name) is { } near ? $"did you mean {near}? " : "";
            throw values.Place(stray.Node, $"{section}.{stray.Name}").Error(
                $"'{section}' has the group option {options[0]} but '{stray.Name}' is not a group option, so it would be read as an environment section; " +
                $"{guess}a group takes {string.Join(", ", GroupOptions.All)}");
        }

        var warnings = new List<string>();
        foreach (var (node, name) in keys)
        {
            if (Closest(name) is not { } option) continue;
            warnings.Add(values.Place(node, $"{section}.{name}").Error(
                $"looks like the group option {option}, but '{section}' has no count, so it is read as an environment section (used only with -E {section}); " +
                $"if '{section}' is a group, write {GroupOptions.Count}: N").Message);
        }
        return warnings;
    }

    /// <summary>The group option <paramref name="key"/> is a near miss of: one edit for short names, two for longer ones.</summary>
    internal static string? Closest(string key)
    {
        var lower = key.ToLowerInvariant();
        foreach (var option in GroupOptions.All)
        {
            var distance = EditDistance(lower, option);
            if (distance > 0 && distance <= (option.Length <= 5 ? 1 : 2)) return option;
            if (distance == 0 && key != option) return option;
        }
        return null;
    }

    /// <summary>Edits (insert, delete, replace, swap two neighbours) between two short strings.</summary>
    internal static int EditDistance(string a, string b)
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
