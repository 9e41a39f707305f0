using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Pool.Master.Config;

/// <summary>
/// Loads pool.yml the way resque-pool reads it: top-level "queue,list": count pairs, plus
/// environment sections merged over them, plus Pool's extended group form. The order is:
/// read the file, interpolate ${VAR} textually, parse YAML, classify each top-level entry as a
/// group or an environment section, validate every section (so a typo in "production" shows up
/// in development too), then merge the selected section over the defaults.
/// </summary>
public static class ConfigLoader
{
    public static PoolConfig Load(string path, string? environment, IReadOnlyDictionary<string, string?> env)
    {
        var file = DisplayPath(path);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException(file, null, null, $"cannot read the file ({e.Message}); pass --config PATH or set POOL_CONFIG");
        }
        return Parse(text, file, path, environment, env);
    }

    /// <summary>Parses already-read text; <paramref name="file"/> names it in messages.</summary>
    public static PoolConfig Parse(string text, string file, string sourcePath, string? environment, IReadOnlyDictionary<string, string?> env)
    {
        var root = ReadRoot(Interpolation.Apply(text, env, file), file);
        var defaults = new List<WorkerGroup>();
        var sections = new Dictionary<string, List<WorkerGroup>>(StringComparer.Ordinal);

        foreach (var (keyNode, valueNode) in root.Children)
        {
            var key = KeyText(keyNode, file);
            if (valueNode is YamlMappingNode mapping && !GroupReader.IsGroup(mapping))
            {
                var section = new List<WorkerGroup>();
                foreach (var (innerKey, innerValue) in mapping.Children)
                {
                    var name = KeyText(innerKey, file);
                    if (innerValue is YamlMappingNode inner && !GroupReader.IsGroup(inner))
                        throw new ConfigException(file, Line(innerKey), $"{key}.{name}",
                            "environment sections cannot nest; give a worker count, or a mapping with count: N");
                    AddUnique(section, GroupReader.Read(name, innerKey, innerValue, file, key), file, key);
                }
                sections[key] = section;
            }
            else
            {
                AddUnique(defaults, GroupReader.Read(key, keyNode, valueNode, file, section: null), file, section: null);
            }
        }

        var groups = environment is not null && sections.TryGetValue(environment, out var chosen)
            ? Merge(defaults, chosen)
            : defaults;
        return new PoolConfig(sourcePath, environment, groups);
    }

    private static YamlMappingNode ReadRoot(string text, string file)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            var problem = (e.InnerException?.Message ?? e.Message).Split('\n')[0];
            var line = e.Start.Line > 0 ? (int)e.Start.Line : (int?)null;
            var hint = problem.Contains("Duplicate key", StringComparison.OrdinalIgnoreCase)
                ? "each queue list may appear once per section; merge the two lines"
                : "fix the YAML syntax (check indentation, quotes and colons)";
            throw new ConfigException(file, line, null, $"invalid YAML: {problem}; {hint}");
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
            throw new ConfigException(file, null, null, "the file is empty; add at least one line such as `default: 1` (queue list: worker count)");
        if (stream.Documents[0].RootNode is not YamlMappingNode root)
            throw new ConfigException(file, Line(stream.Documents[0].RootNode), null,
                "the top level must be a mapping of queue lists to worker counts, such as `default: 1`");
        return root;
    }

    /// <summary>The environment section's groups replace default groups with the same queue list; new ones are appended.</summary>
    private static List<WorkerGroup> Merge(List<WorkerGroup> defaults, List<WorkerGroup> section)
    {
        var merged = new List<WorkerGroup>(defaults);
        foreach (var group in section)
        {
            var index = merged.FindIndex(g => g.QueueList == group.QueueList);
            if (index >= 0) merged[index] = group;
            else merged.Add(group);
        }
        return merged;
    }

    private static void AddUnique(List<WorkerGroup> groups, WorkerGroup group, string file, string? section)
    {
        var twin = groups.FirstOrDefault(g => g.QueueList == group.QueueList);
        if (twin is not null)
        {
            var key = section is null ? group.Key : $"{section}.{group.Key}";
            throw new ConfigException(file, group.Line, key,
                $"duplicate group: queue list '{group.QueueList}' is already defined on line {twin.Line}; keep one of them");
        }
        groups.Add(group);
    }

    internal static string KeyText(YamlNode node, string file) => node is YamlScalarNode { Value: { } v }
        ? v
        : throw new ConfigException(file, Line(node), null, "keys must be plain queue lists such as \"foo,bar\"");

    internal static int Line(YamlNode node) => (int)node.Start.Line;

    private static string DisplayPath(string path)
    {
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, path);
        return relative.StartsWith("..", StringComparison.Ordinal) ? path : relative;
    }
}
