namespace Pool.Master.Config;

/// <summary>
/// The groups of one section (or of the top level), in file order, indexed by queue list so that
/// adding, finding a twin and merging stay linear in the number of groups.
/// </summary>
internal sealed class GroupList(string? section)
{
    private readonly List<WorkerGroup> _groups = [];
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);

    public string? Section { get; } = section;

    public IReadOnlyList<WorkerGroup> Groups => _groups;

    public long TotalWorkers { get; private set; }

    public void Add(WorkerGroup group, string file)
    {
        if (_index.TryGetValue(group.QueueList, out var twin))
        {
            var key = Section is null ? group.Key : $"{Section}.{group.Key}";
            throw new ConfigException(file, group.Line, key,
                $"duplicate group: queue list '{group.QueueList}' is already defined on line {_groups[twin].Line}; keep one of them");
        }
        _index.Add(group.QueueList, _groups.Count);
        _groups.Add(group);
        TotalWorkers += group.Count;
    }

    public WorkerGroup? Find(string queueList) => _index.TryGetValue(queueList, out var i) ? _groups[i] : null;

    /// <summary>A section's groups replace default groups with the same queue list; new ones are appended.</summary>
    public IReadOnlyList<WorkerGroup> MergedWith(GroupList section)
    {
        var merged = new List<WorkerGroup>(_groups);
        foreach (var group in section._groups)
        {
            if (_index.TryGetValue(group.QueueList, out var i)) merged[i] = group;
            else merged.Add(group);
        }
        return merged;
    }

    /// <summary>Workers the pool would run with <paramref name="section"/> merged over these defaults, without building the merge.</summary>
    public long TotalWith(GroupList section) =>
        TotalWorkers + section._groups.Sum(g => (long)g.Count - (Find(g.QueueList)?.Count ?? 0));
}
