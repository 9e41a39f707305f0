using YamlDotNet.RepresentationModel;

namespace Pool.Master.Config;

/// <summary>
/// Loads pool.yml the way resque-pool reads it: top-level "queue,list": count pairs, plus
/// environment sections merged over them, plus Pool's extended group form. The order is: read
/// the file (at most <see cref="ConfigFile.MaxBytes"/>), parse the YAML, classify each top-level
/// entry as a group or an environment section, read every value (interpolating ${VAR} inside
/// that one scalar) and validate every section (so a typo in "production" shows up in
/// development too), then merge the selected section over the defaults. Every step is linear in
/// the size of the file.
/// </summary>
public static class ConfigLoader
{
    public static PoolConfig Load(string path, string? environment, IReadOnlyDictionary<string, string?> env)
    {
        var file = DisplayPath(path);
        return Parse(ConfigFile.Read(path, file), file, path, environment, env);
    }

    /// <summary>Parses already-read text; <paramref name="file"/> names it in messages.</summary>
    public static PoolConfig Parse(string text, string file, string sourcePath, string? environment, IReadOnlyDictionary<string, string?> env)
    {
        if (text.Length > ConfigFile.MaxBytes) throw ConfigFile.TooLarge(file);
        var root = YamlRoot.Read(text, file);
        var values = new ConfigValues(file, env);
        var defaults = new GroupList(null);
        var sections = new Dictionary<string, (GroupList Groups, int Line)>(StringComparer.Ordinal);
        var warnings = new List<string>();
        MemoryBudgetSetting? budget = null;
        IReadOnlyList<ScheduleEntry> schedule = [];

        foreach (var (keyNode, valueNode) in root.Children)
        {
            var key = values.Key(keyNode);
            if (key == MemoryBudgetSetting.Key)
            {
                budget = ReadBudget(valueNode, values.Place(keyNode, key), values);
                continue;
            }
            if (ScheduleReader.IsSchedule(key, valueNode))
            {
                schedule = ScheduleReader.Read((YamlMappingNode)valueNode, values, warnings);
                continue;
            }
            if (valueNode is YamlMappingNode mapping && !GroupReader.IsGroup(mapping))
            {
                warnings.AddRange(GroupLookalikes.Check(key, mapping, values));
                var section = new GroupList(key);
                foreach (var (innerKey, innerValue) in mapping.Children)
                {
                    var name = values.Key(innerKey);
                    if (name == MemoryBudgetSetting.Key)
                        throw new ConfigException(file, ConfigValues.Line(innerKey), $"{key}.{name}", "memory_budget is pool-wide; put it at the top level of the file");
                    if (innerValue is YamlMappingNode inner && !GroupReader.IsGroup(inner))
                        throw new ConfigException(file, ConfigValues.Line(innerKey), $"{key}.{name}",
                            "environment sections cannot nest; give a worker count, or a mapping with count: N");
                    section.Add(GroupReader.Read(name, innerKey, innerValue, values, key), file);
                }
                sections[key] = (section, ConfigValues.Line(keyNode));
            }
            else
            {
                defaults.Add(GroupReader.Read(key, keyNode, valueNode, values, section: null), file);
                // Valid (a queue may be called that), but `schedule: 5` was more likely meant as the section.
                if (key == ScheduleReader.Key)
                    warnings.Add($"{file}:{ConfigValues.Line(keyNode)}: key '{key}': read as a group for a queue named 'schedule'; the schedule: section is a mapping of entries (nightly: {{cron: ..., class: ...}})");
            }
        }

        CheckTotal(defaults.TotalWorkers, file, null, null);
        foreach (var (name, (section, line)) in sections) CheckTotal(defaults.TotalWith(section), file, line, name);

        var chosenName = SectionFor(environment, sections.Keys);
        if (UnmatchedEnvironment.Problem(file, environment, chosenName, sections.Keys, defaults.Groups.Count, env) is { } unmatched) throw unmatched;
        var groups = chosenName is not null ? defaults.MergedWith(sections[chosenName].Groups) : defaults.Groups;
        if (SectionNotUsed(environment, chosenName, sections.Keys, defaults.Groups.Count, env) is { } unused) warnings.Add($"{file}: {unused}");
        var config = new PoolConfig(sourcePath, environment, groups) { MemoryBudget = budget, Schedule = schedule };
        return config with { Warnings = [.. warnings, .. ScheduleTargets.UnservedWarnings(config, file)] };
    }

    /// <summary>
    /// The section for <paramref name="environment"/>: the one of that name, else the one whose
    /// name differs only in case (.NET's DOTNET_ENVIRONMENT is "Production" where Rails's is
    /// "production"); null when none, or when several differ only in case.
    /// </summary>
    private static string? SectionFor(string? environment, ICollection<string> sectionNames)
    {
        if (environment is null) return null;
        if (sectionNames.Contains(environment)) return environment;
        var alike = sectionNames.Where(n => string.Equals(n, environment, StringComparison.OrdinalIgnoreCase)).ToList();
        return alike.Count == 1 ? alike[0] : null;
    }

    /// <summary>
    /// Why the file's environment sections leave what runs unchanged when that looks like a
    /// mistake: an environment no section is named for, while there are sections (a typo:
    /// `-E prodution`), or no environment at all where only sections define groups (so nothing
    /// runs). A flat file under RAILS_ENV=production is normal and says nothing.
    /// </summary>
    private static string? SectionNotUsed(string? environment, string? chosen, IEnumerable<string> sectionNames, int topLevelGroups, IReadOnlyDictionary<string, string?> env)
    {
        var names = sectionNames.ToList();
        if (names.Count == 0) return null;
        var listed = string.Join(", ", names);
        if (environment is not null && chosen is null)
            return $"no section is named for the environment '{environment}' (sections: {listed}); only the top-level groups run. It came from {SettingsResolver.EnvironmentSource(environment, env)}: check its spelling (the first of --environment, POOL_ENV, DOTNET_ENVIRONMENT, RAILS_ENV, RACK_ENV, RESQUE_ENV that is set selects it)";
        if (environment is null && topLevelGroups == 0)
            return $"no environment is selected, so the sections ({listed}) are not used and no group runs; pass --environment NAME or set POOL_ENV";
        return null;
    }

    private static MemoryBudgetSetting ReadBudget(YamlNode value, ConfigPlace place, ConfigValues values)
    {
        var text = values.Value(value, place.Key!);
        var setting = MemoryBudgetSetting.Parse(text, out var problem)
            ?? throw place.Error($"{problem}, got '{ConfigException.Shorten(text)}'; write e.g. {MemoryBudgetSetting.Example}");
        return setting with { Place = place };
    }

    /// <summary>Each group is capped, and so is the whole pool under every environment, so no accepted file asks for more than a host can start.</summary>
    private static void CheckTotal(long total, string file, int? line, string? section)
    {
        if (total <= GroupOptions.MaxCount) return;
        var scope = section is null ? "the pool" : $"the pool with environment '{section}'";
        throw new ConfigException(file, line, section,
            $"{scope} has {total} workers in all, more than {GroupOptions.MaxCount}; split the load across machines");
    }

    internal static string DisplayPath(string path)
    {
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, path);
        return relative.StartsWith("..", StringComparison.Ordinal) ? path : relative;
    }
}
