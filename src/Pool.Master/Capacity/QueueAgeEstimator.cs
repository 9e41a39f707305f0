using System.Text.Json;

namespace Pool.Master.Capacity;

/// <summary>
/// The age of the oldest job waiting in one queue, for producers that write no enqueue time
/// (Resque, node-resque, Pool's own enqueue all write only class and args).
///
/// How: at every sample the queue's current tail (its newest job) is remembered with the time,
/// as a mark. A queue is first in, first out, so while a mark's job is still in the queue, the
/// head was already there when the mark was taken: the head is at least as old as the oldest mark
/// still present. Marks whose job has left the queue are dropped. The estimate is a lower bound,
/// off by at most one sample interval; at most <see cref="MaxMarks"/> marks are kept, the closest
/// pair merged first, so very old backlogs lose precision, not the bound.
///
/// Known limits: jobs are recognised by their exact text, so a duplicate of a mark's job (same
/// class and args) pushed later keeps the mark alive, and the age can read up to the time since
/// the queue was last empty. Presence is looked up among the first <see cref="SearchDepth"/>
/// jobs, so behind a deeper backlog the age reads low (jobs per worker then decides anyway).
/// A payload with a "timestamp" or "enqueued_at" field in epoch seconds (Judoscale's Resque
/// adapter, Sidekiq) gives the exact age instead.
/// </summary>
internal sealed class QueueAgeEstimator
{
    public const int MaxMarks = 32;
    public const int SearchDepth = 10_000;

    private readonly List<(DateTimeOffset At, string Job)> _marks = [];

    /// <summary>The jobs the probe should look for (LPOS), oldest mark first.</summary>
    public IReadOnlyList<string> Marks => _marks.Select(m => m.Job).ToList();

    /// <summary>Takes one sample of the queue; returns the oldest job's age, or null when the queue is empty.</summary>
    /// <param name="present">For each of <see cref="Marks"/> as handed out before this sample, whether its job is still in the queue.</param>
    public TimeSpan? Observe(DateTimeOffset now, long length, string? head, string? tail, IReadOnlyList<bool> present)
    {
        if (length <= 0 || head is null)
        {
            _marks.Clear();
            return null;
        }
        var oldest = -1;
        for (var i = 0; i < Math.Min(present.Count, _marks.Count); i++)
        {
            if (present[i]) { oldest = i; break; }
        }
        // Everything before the oldest present mark has left the queue for good.
        if (oldest < 0) _marks.Clear();
        else _marks.RemoveRange(0, oldest);
        var estimate = _marks.Count > 0 ? now - _marks[0].At : TimeSpan.Zero;

        if (tail is not null && (_marks.Count == 0 || _marks[^1].Job != tail)) Remember(now, tail);
        return Stamped(head, now) ?? estimate;
    }

    private void Remember(DateTimeOffset now, string tail)
    {
        _marks.Add((now, tail));
        if (_marks.Count <= MaxMarks) return;
        // Keep the oldest (it carries the age) and the newest; merge the two closest in time.
        var closest = 1;
        for (var i = 2; i < _marks.Count - 1; i++)
        {
            if (_marks[i].At - _marks[i - 1].At < _marks[closest].At - _marks[closest - 1].At) closest = i;
        }
        _marks.RemoveAt(closest);
    }

    /// <summary>The exact age, when the producer wrote an enqueue time into the payload.</summary>
    internal static TimeSpan? Stamped(string payload, DateTimeOffset now)
    {
        if (!payload.Contains("timestamp", StringComparison.Ordinal) && !payload.Contains("enqueued_at", StringComparison.Ordinal)) return null;
        try
        {
            using var doc = JsonDocument.Parse(payload);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) return null;
            foreach (var name in (ReadOnlySpan<string>)["timestamp", "enqueued_at"])
            {
                if (doc.RootElement.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var seconds)
                    && seconds is > 0 and < 1e11)
                {
                    var age = now - DateTimeOffset.UnixEpoch.AddSeconds(seconds);
                    return age < TimeSpan.Zero ? TimeSpan.Zero : age;
                }
            }
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
