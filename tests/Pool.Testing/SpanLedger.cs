using Pool.Protocol.Payloads;
using Pool.Protocol.Producing;
using Pool.Testing.Chaos;

namespace Pool.Testing;

/// <summary>
/// The file RecordSpan jobs append "tag started ended" to, and the tags a test enqueued: tells
/// which jobs never ran (lost), how many runs came beyond one per tag (duplicates), and which
/// tags had two runs that overlapped in time (one job on two workers at once).
/// </summary>
public sealed class SpanLedger : IDisposable
{
    private readonly List<string> _tags = [];

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "pool-spans-" + Guid.NewGuid().ToString("N")[..10] + ".txt");

    public IReadOnlyList<string> Tags => _tags;

    /// <summary>Enqueues <paramref name="count"/> RecordSpan jobs, each working <paramref name="ms"/> ms, with fresh tags "prefix-N".</summary>
    public async Task<IReadOnlyList<string>> EnqueueAsync(Producer producer, string queue, int count, int ms, string prefix = "job")
    {
        var tags = Enumerable.Range(_tags.Count, count).Select(i => $"{prefix}-{i}").ToList();
        _tags.AddRange(tags);
        await producer.EnqueueManyRawAsync(queue, [.. tags.Select(t => Payload(t, ms))]).ConfigureAwait(false);
        return tags;
    }

    /// <summary>The payload of a RecordSpan job that records into this ledger.</summary>
    public string Payload(string tag, int ms) => PayloadCodec.Encode("RecordSpan", [Path, tag, ms]);

    /// <summary>Every finished run so far.</summary>
    public IReadOnlyList<ChaosRunSpan> Runs() => ChaosRunSpan.ReadFinished(Path);

    /// <summary>How many runs have finished so far.</summary>
    public int Count => Runs().Count;

    /// <summary>True once every enqueued tag has run at least once.</summary>
    public bool AllRan() => Runs().Select(r => r.Tag).ToHashSet().IsSupersetOf(_tags);

    public SpanCensus Census()
    {
        var runs = Runs();
        var recorded = runs.GroupBy(r => r.Tag).ToDictionary(g => g.Key, g => g.Count());
        return new SpanCensus(
            _tags.Count,
            runs.Count,
            [.. _tags.Where(t => !recorded.ContainsKey(t))],
            [.. recorded.Where(p => p.Value > 1).Select(p => p.Key)],
            recorded.Values.Sum(n => n - 1),
            ChaosRunSpan.Overlapping(runs));
    }

    public void Dispose()
    {
        try { File.Delete(Path); }
        catch (IOException) { }
    }
}

/// <summary>What a <see cref="SpanLedger"/> found: Lost, Duplicates and Overlapping should be empty or zero.</summary>
public sealed record SpanCensus(int Jobs, int Runs, IReadOnlyList<string> Lost, IReadOnlyList<string> Repeated, int Duplicates, IReadOnlyList<string> Overlapping)
{
    public override string ToString() =>
        $"jobs={Jobs} runs={Runs} lost={Lost.Count} duplicates={Duplicates} overlapping={Overlapping.Count}"
        + (Lost.Count > 0 ? " lost: " + string.Join(' ', Lost.Take(10)) : "")
        + (Repeated.Count > 0 ? " repeated: " + string.Join(' ', Repeated.Take(10)) : "")
        + (Overlapping.Count > 0 ? " overlapping: " + string.Join(' ', Overlapping.Take(10)) : "");
}
