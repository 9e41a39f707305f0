using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Pool.Master.Config;

/// <summary>
/// A group's `retries: N` and `retry_delays: [seconds, ...]`, passed to its workers as
/// POOL_RETRIES and POOL_RETRY_DELAYS. Unset means the worker's default (3 retries, exponential
/// backoff with jitter); `retries: 0` turns retries off.
/// </summary>
public sealed record GroupRetries(int? Retries, IReadOnlyList<int>? Delays)
{
    public const string RetriesKey = "retries";
    public const string DelaysKey = "retry_delays";
    /// <summary>A month: a longer delay is a typo (and would outlive every retry counter).</summary>
    public const int MaxDelay = 31 * 86_400;
    public const int MaxRetries = 1_000;
    private static readonly Pool.Settings.SecondsRange DelayRange = new(0, MaxDelay);

    public void AddTo(IDictionary<string, string> env)
    {
        if (Retries is { } n) env[Pool.Settings.PoolVariables.Retries] = n.ToString(CultureInfo.InvariantCulture);
        if (Delays is { Count: > 0 } d) env[Pool.Settings.PoolVariables.RetryDelays] = string.Join(",", d.Select(x => x.ToString(CultureInfo.InvariantCulture)));
    }

    public override string ToString() =>
        (Retries is { } n ? $" retries={n}" : "") + (Delays is { Count: > 0 } d ? $" retry_delays=[{string.Join(",", d)}]" : "");

    internal static GroupRetries With(GroupRetries? current, string option, YamlNode node, ConfigValues values, ConfigPlace at) => option switch
    {
        RetriesKey => (current ?? new GroupRetries(null, null)) with { Retries = ReadRetries(values.Value(node, at.Key!), at) },
        _ => (current ?? new GroupRetries(null, null)) with { Delays = ReadDelays(node, values, at) },
    };

    private static int ReadRetries(string? text, ConfigPlace at) =>
        int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) && n is >= -1 and <= MaxRetries
            ? n
            : throw at.Error($"must be a whole number of retries from 0 to {MaxRetries} (or -1: forever), got '{ConfigException.Shorten(text)}'; write e.g. retries: 3, or retries: 0 to turn them off");

    private static List<int> ReadDelays(YamlNode node, ConfigValues values, ConfigPlace at)
    {
        const string example = "write e.g. retry_delays: [10, 60, 600] (seconds; the last is reused)";
        if (node is not YamlSequenceNode list || list.Children.Count == 0) throw at.Error($"must be a non-empty list of seconds; {example}");
        return list.Children.Select((item, i) =>
        {
            var text = values.Value(item, $"{at.Key}[{i}]");
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var s) && s <= MaxDelay) return s;
            var problem = DelayRange.IsTooLarge(text) ? DelayRange.TooLarge : $"must be whole seconds from 0 to {MaxDelay}";
            throw values.Place(item, $"{at.Key}[{i}]").Error($"{problem}, got '{ConfigException.Shorten(text)}'; {example}");
        }).ToList();
    }
}
