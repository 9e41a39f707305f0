using Pool.Text;
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

    /// <summary>The group option <paramref name="key"/> is a near miss of.</summary>
    internal static string? Closest(string key) => NearMiss.Closest(key, GroupOptions.All);
}
