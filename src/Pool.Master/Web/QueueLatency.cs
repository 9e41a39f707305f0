using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;

namespace Pool.Master.Web;

/// <summary>
/// A queue's latency: how long its oldest job (the one at the head, next to run) has waited.
/// Exact when the payload carries an enqueued_at (unix seconds, as Sidekiq-style producers write,
/// or an ISO time). Resque's payloads have no such field, so for those the dashboard remembers
/// when it first saw that exact job at the head and shows the time since as a lower bound ("≥").
/// </summary>
internal sealed class QueueLatency
{
    private const int MaxTracked = 50_000;
    private readonly ConcurrentDictionary<string, (int Head, DateTimeOffset Seen)> _seen = new(StringComparer.Ordinal);

    public Latency Measure(string queue, string? oldest, DateTimeOffset now)
    {
        if (oldest is null)
        {
            _seen.TryRemove(queue, out _);
            return new Latency(TimeSpan.Zero, true);
        }
        if (EnqueuedAt(oldest) is { } at) return new Latency(now - at, true);
        var head = oldest.GetHashCode(StringComparison.Ordinal);
        if (_seen.TryGetValue(queue, out var s) && s.Head == head) return new Latency(now - s.Seen, false);
        if (_seen.Count < MaxTracked) _seen[queue] = (head, now);
        return new Latency(TimeSpan.Zero, false);
    }

    private static DateTimeOffset? EnqueuedAt(string payload)
    {
        if (!payload.Contains("\"enqueued_at\"", StringComparison.Ordinal)) return null;
        try
        {
            using var doc = JsonDocument.Parse(payload);
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("enqueued_at", out var e)) return null;
            if (e.ValueKind == JsonValueKind.Number && e.TryGetDouble(out var seconds))
                return DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000));
            if (e.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(e.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t))
                return t;
        }
        catch (JsonException)
        {
        }
        return null;
    }
}

/// <param name="Exact">False when the wait is a lower bound (no enqueued_at in the payload).</param>
internal readonly record struct Latency(TimeSpan Wait, bool Exact)
{
    public override string ToString() => (Exact ? "" : "≥ ") + Format.Duration(Wait);
}
