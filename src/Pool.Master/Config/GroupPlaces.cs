namespace Pool.Master.Config;

/// <summary>
/// Where a group and each of its options are written in pool.yml. The checks that run after the
/// file is read (a command that cannot run, a worker the memory budget cannot hold) name the
/// line of the key to fix with it, and the section too (`production.foo.command`), as the
/// reader's own errors do; they used to name the group's line, or none.
/// </summary>
internal sealed class GroupPlaces(ConfigPlace group, IReadOnlyDictionary<string, int> optionLines)
{
    /// <summary>The group's key: its line, and its dotted key with the section.</summary>
    public ConfigPlace Group { get; } = group;

    /// <summary>The option's own line and dotted key; null when the group does not write it.</summary>
    public ConfigPlace? Option(string option) =>
        optionLines.TryGetValue(option, out var line) ? new ConfigPlace(Group.File, line, $"{Group.Key}.{option}") : null;
}
