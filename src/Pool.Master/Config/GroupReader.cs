using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Pool.Master.Config;

/// <summary>Reads one group: "queues": count, or "queues": { count: N, term_timeout: S, ... }.</summary>
internal static class GroupReader
{
    /// <summary>A mapping is a group when it has `count` or only group options; otherwise it is an environment section.</summary>
    public static bool IsGroup(YamlMappingNode mapping)
    {
        var keys = mapping.Children.Keys.OfType<YamlScalarNode>().Select(k => k.Value ?? "").ToList();
        return keys.Count > 0 && (keys.Contains(GroupOptions.Count) || keys.All(GroupOptions.All.Contains));
    }

    public static WorkerGroup Read(string key, YamlNode keyNode, YamlNode value, string file, string? section)
    {
        var where = section is null ? key : $"{section}.{key}";
        var line = ConfigLoader.Line(keyNode);
        var queues = ParseQueues(key, file, line, where);

        if (value is YamlScalarNode scalar)
            return new WorkerGroup(key, queues, ReadCount(scalar, file, where), Line: line);
        if (value is not YamlMappingNode mapping)
            throw new ConfigException(file, line, where, "expected a worker count such as 2, or a mapping with count: N");

        int? count = null;
        TimeSpan? termTimeout = null;
        int? memory = null, maxJobs = null;
        string? command = null;
        TimeSpan? jobTimeout = null;
        foreach (var (optionNode, optionValue) in mapping.Children)
        {
            var option = ConfigLoader.KeyText(optionNode, file);
            var optionWhere = $"{where}.{option}";
            var optionLine = ConfigLoader.Line(optionNode);
            var text = optionValue is YamlScalarNode { Value: { } v } ? v.Trim() : null;
            switch (option)
            {
                case GroupOptions.Count:
                    count = ReadCount(optionValue, file, optionWhere);
                    break;
                case GroupOptions.TermTimeout:
                    termTimeout = double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s >= 0 && double.IsFinite(s)
                        ? TimeSpan.FromSeconds(s)
                        : throw new ConfigException(file, optionLine, optionWhere, $"must be a number of seconds, 0 or more, got '{text}'; write e.g. term_timeout: 25");
                    break;
                case GroupOptions.MemoryLimitMb:
                    memory = ReadPositive(text, file, optionLine, optionWhere, "megabytes", "memory_limit_mb: 512");
                    break;
                case GroupOptions.MaxJobs:
                    maxJobs = ReadPositive(text, file, optionLine, optionWhere, "jobs", "max_jobs: 1000");
                    break;
                case GroupOptions.JobTimeout:
                    jobTimeout = double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var jt) && jt > 0 && double.IsFinite(jt)
                        ? TimeSpan.FromSeconds(jt)
                        : throw new ConfigException(file, optionLine, optionWhere, $"must be a number of seconds above 0, got '{text}'; write e.g. job_timeout: 300");
                    break;
                case GroupOptions.Command:
                    command = string.IsNullOrWhiteSpace(text)
                        ? throw new ConfigException(file, optionLine, optionWhere, "must be a non-empty command line; write e.g. command: \"bundle exec rake resque:work\"")
                        : text;
                    break;
                default:
                    throw new ConfigException(file, optionLine, optionWhere,
                        $"unknown option '{option}'; a group takes {string.Join(", ", GroupOptions.All)}");
            }
        }

        if (count is null)
            throw new ConfigException(file, line, where, "this group has no count; add count: N (the number of workers)");
        return new WorkerGroup(key, queues, count.Value, termTimeout, memory, maxJobs, command, line, jobTimeout);
    }

    private static List<string> ParseQueues(string key, string file, int line, string where)
    {
        var queues = key.Split(',').Select(q => q.Trim()).ToList();
        if (queues.Any(q => q.Length == 0))
            throw new ConfigException(file, line, where, "empty queue name; write queue lists like \"foo,bar\" with no empty entries");
        if (queues.Any(q => q.Any(char.IsWhiteSpace)))
            throw new ConfigException(file, line, where, "queue names cannot contain spaces; separate queues with commas");
        var duplicate = queues.GroupBy(q => q, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new ConfigException(file, line, where, $"queue '{duplicate.Key}' appears twice in the list; name each queue once");
        return queues;
    }

    private static int ReadCount(YamlNode node, string file, string where)
    {
        var line = ConfigLoader.Line(node);
        var text = node is YamlScalarNode { Value: { } v } ? v.Trim() : null;
        if (string.IsNullOrEmpty(text))
            throw new ConfigException(file, line, where, "has no worker count; write a whole number such as 2 (0 for none)");
        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var count))
            throw new ConfigException(file, line, where, $"worker count must be a whole number, got '{text}'; write e.g. 2");
        if (count < 0)
            throw new ConfigException(file, line, where, $"worker count cannot be negative ({count}); use 0 to run no workers");
        if (count > GroupOptions.MaxCount)
            throw new ConfigException(file, line, where, $"worker count {count} is more than {GroupOptions.MaxCount}; split the load across machines");
        return count;
    }

    private static int ReadPositive(string? text, string file, int line, string where, string unit, string example)
    {
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0) return n;
        throw new ConfigException(file, line, where, $"must be a whole number of {unit} above 0, got '{text}'; write e.g. {example}");
    }
}
