namespace Pool.Master.Capacity;

/// <summary>The memory and autoscaling picture at one moment, for /status, /metrics and `pool-master status`. Immutable.</summary>
/// <param name="UsedBytes">What the budget counts: the master's PSS and each worker at its group's estimate, or its PSS where that is more (not what they take now).</param>
internal sealed record CapacityView(
    long LimitBytes, string LimitSource, long BudgetBytes, string BudgetWhy, long UsedBytes,
    IReadOnlyList<GroupCapacityView> Groups)
{
    /// <summary>Decisions since start, by group and direction (up, down, capped), and spawns the budget refused, by group.</summary>
    public IReadOnlyDictionary<(string Group, string Direction), long> Decisions { get; init; } = new Dictionary<(string, string), long>();
    public IReadOnlyDictionary<string, long> BudgetRefusals { get; init; } = new Dictionary<string, long>();
}

/// <param name="Range">"1..8" for an autoscaled group, null for a fixed one.</param>
/// <param name="Target">The wanted size now (the autoscaler's, or the fixed count with TTIN/TTOU).</param>
/// <param name="LastDecision">The last decision's log text, for status.</param>
/// <param name="WaitingForMemory">Slots that stay empty because the budget holds no more workers.</param>
internal sealed record GroupCapacityView(
    string Group, string? Range, int Target, int Workers, long? Waiting, double? OldestAgeSeconds, int? Busy,
    string? LastDecision, DateTimeOffset? LastDecisionAt, int WaitingForMemory);

/// <summary>The JSON a master publishes for `pool-master status` (and /status shows): the view without its counters.</summary>
internal sealed record CapacityJson(string Host, int Pid, long LimitBytes, string LimitSource, long BudgetBytes, string BudgetWhy, long UsedBytes,
    IReadOnlyList<GroupCapacityView> Groups)
{
    public static CapacityJson From(CapacityView v) => new(Pool.Protocol.Recovery.WorkerIdentity.Host, Environment.ProcessId,
        v.LimitBytes, v.LimitSource, v.BudgetBytes, v.BudgetWhy, v.UsedBytes, v.Groups);
}
