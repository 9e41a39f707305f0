using System.Globalization;

namespace Pool.Master.Config;

/// <summary>
/// A group's `count`: a number (resque-pool's fixed size), `MIN..MAX` (autoscaled between the
/// two, see Capacity.Autoscaler) or `auto` (as many as the memory budget holds, see
/// <see cref="CapacityPlan"/>). The target options only make sense with a range.
/// </summary>
internal readonly record struct CountSpec(int Count, int? Max, bool Auto)
{
    public const string AutoWord = "auto";
    public const string RangeExample = "count: 1..8";

    public static CountSpec Read(string? text, ConfigPlace place, Func<string?, ConfigPlace, int> whole)
    {
        var value = text?.Trim() ?? "";
        if (value.Equals(AutoWord, StringComparison.OrdinalIgnoreCase)) return new CountSpec(0, null, Auto: true);
        var dots = value.IndexOf("..", StringComparison.Ordinal);
        if (dots < 0) return new CountSpec(whole(value, place), null, Auto: false);

        var min = Bound(value[..dots].Trim(), value, place, whole);
        var max = Bound(value[(dots + 2)..].Trim(), value, place, whole);
        if (max < min) throw place.Error($"the range {value} runs backwards; write MIN..MAX with MIN at most MAX, e.g. {RangeExample}");
        if (max == 0) throw place.Error($"the range {value} never runs a worker; give MAX at least 1, e.g. {RangeExample}");
        return new CountSpec(min, max, Auto: false);
    }

    /// <summary>One end of MIN..MAX; a part that is no number is named with the whole range ('1...3' said "got '.3'").</summary>
    private static int Bound(string part, string range, ConfigPlace place, Func<string?, ConfigPlace, int> whole) =>
        part.TrimStart('-', '+').All(char.IsAsciiDigit)
            ? whole(part, place)
            : throw place.Error($"the range '{ConfigException.Shorten(range)}' must be two whole numbers, MIN..MAX; write e.g. {RangeExample}");

    /// <summary>The group with this count and, for a range, its scaling rule; target options without a range are an error.</summary>
    public WorkerGroup Apply(WorkerGroup group, TimeSpan? targetLatency, int? jobsPerWorker, TimeSpan? quiet, ConfigPlace place)
    {
        if (Max is { } max)
            return group with { Count = Count, Scaling = new ScalingRule(Count, max, targetLatency, jobsPerWorker, quiet) };
        if (targetLatency is not null || jobsPerWorker is not null || quiet is not null)
            throw place.Error(string.Create(CultureInfo.InvariantCulture,
                $"{GroupOptions.TargetLatency}, {GroupOptions.TargetJobsPerWorker} and {GroupOptions.ScaleDownAfter} need an autoscaled count; write e.g. {RangeExample}"));
        return group with { Count = Count, AutoCount = Auto };
    }
}
