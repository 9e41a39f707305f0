using System.Globalization;
using Pool.Worker.Iteration;

namespace Pool.Samples;

/// <summary>
/// An iteration job: for each i from its cursor up to n-1, appends the line i to path (one
/// O_APPEND write), then waits ms_per_item. TERM stops it between two numbers and the next
/// worker goes on from the cursor, so every number is written exactly once.
/// </summary>
public sealed class CountTo : IterationJob<long, long>
{
    private string _path = "";
    private int _msPerItem;

    public Enumeration<long, long> Perform(int n, string path, int ms_per_item)
    {
        _path = path;
        _msPerItem = ms_per_item;
        return Enumerate.Range(0, n);
    }

    protected override async ValueTask EachAsync(long i, CancellationToken token)
    {
        LineFile.Append(_path, i.ToString(CultureInfo.InvariantCulture));
        if (_msPerItem > 0) await Task.Delay(_msPerItem, token).ConfigureAwait(false);
    }
}

/// <summary>CountTo with a slice (requeue itself after slice_ms) and a resumption limit (0: none).</summary>
public sealed class CountToInSlices : IterationJob<long, long>
{
    private string _path = "";
    private int _msPerItem;

    public Enumeration<long, long> Perform(int n, string path, int ms_per_item, int slice_ms, int max_resumptions)
    {
        _path = path;
        _msPerItem = ms_per_item;
        MaxSlice = TimeSpan.FromMilliseconds(slice_ms);
        if (max_resumptions > 0) MaxResumptions = max_resumptions;
        return Enumerate.Range(0, n);
    }

    protected override async ValueTask EachAsync(long i, CancellationToken token)
    {
        LineFile.Append(_path, i.ToString(CultureInfo.InvariantCulture));
        if (_msPerItem > 0) await Task.Delay(_msPerItem, token).ConfigureAwait(false);
    }
}

/// <summary>
/// Walks a large collection in batches, the way a job walks a database table: "the next
/// batch_size ids after the cursor, in id order" (keyset pagination), here over the ids 1..rows.
/// For each batch it appends one line "first-last" to path. The cursor is the last id done.
/// </summary>
public sealed class ExportRows : IterationJob<IReadOnlyList<long>, long>
{
    private string _path = "";

    public Enumeration<IReadOnlyList<long>, long> Perform(long rows, int batch_size, string path)
    {
        _path = path;
        return Enumerate.Batches<long>((after, size, _) => Task.FromResult(IdsAfter(after.Or(0), size, rows)), batch_size);
    }

    protected override ValueTask EachAsync(IReadOnlyList<long> ids, CancellationToken token)
    {
        LineFile.Append(_path, string.Create(CultureInfo.InvariantCulture, $"{ids[0]}-{ids[^1]}"));
        return ValueTask.CompletedTask;
    }

    // Stands in for: SELECT id FROM rows WHERE id > @after ORDER BY id LIMIT @size
    private static IReadOnlyList<long> IdsAfter(long after, int size, long rows)
    {
        var ids = new List<long>(size);
        for (var id = after + 1; id <= rows && ids.Count < size; id++) ids.Add(id);
        return ids;
    }
}
