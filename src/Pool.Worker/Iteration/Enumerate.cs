using System.Runtime.CompilerServices;

namespace Pool.Worker.Iteration;

/// <summary>Ready enumerations for the common cases. Return one from an iteration job's Perform.</summary>
public static class Enumerate
{
    /// <summary>The numbers from..to-1; the cursor is the next number.</summary>
    public static Enumeration<long, long> Range(long from, long to) =>
        new DelegateEnumeration<long, long>((resume, _) => RangeAsync(resume.Or(from), to));

    /// <summary>The items of a list (e.g. held in the job's arguments); the cursor is the next index.</summary>
    public static Enumeration<T, int> Items<T>(IReadOnlyList<T> items) =>
        new DelegateEnumeration<T, int>((resume, _) => ItemsAsync(items, resume.Or(0)));

    /// <summary>The lines of a text file (UTF-8, without their line ending); the cursor is the byte offset of the next line.</summary>
    public static Enumeration<string, long> Lines(string path) => new LinesEnumeration(path);

    /// <summary>
    /// Batches of keys in key order, one page query per batch (keyset pagination: "the first
    /// <c>size</c> keys after this one"). The cursor is the last key of the batch done, so a
    /// resumed run asks for the keys after it. <paramref name="page"/> gets Resume.Start first.
    /// </summary>
    public static Enumeration<IReadOnlyList<TKey>, TKey> Batches<TKey>(
        Func<Resume<TKey>, int, CancellationToken, Task<IReadOnlyList<TKey>>> page, int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        return new DelegateEnumeration<IReadOnlyList<TKey>, TKey>((resume, token) => BatchesAsync(page, size, resume, token));
    }

    /// <summary>Any async source that can start from a cursor and says the cursor after each item.</summary>
    public static Enumeration<TItem, TCursor> From<TItem, TCursor>(
        Func<Resume<TCursor>, CancellationToken, IAsyncEnumerable<(TItem, TCursor)>> source) => new DelegateEnumeration<TItem, TCursor>(source);

    private static async IAsyncEnumerable<(long, long)> RangeAsync(long start, long to)
    {
        for (var i = start; i < to; i++) yield return (i, i + 1);
        await Task.CompletedTask.ConfigureAwait(false);
    }

    private static async IAsyncEnumerable<(T, int)> ItemsAsync<T>(IReadOnlyList<T> items, int start)
    {
        for (var i = start; i < items.Count; i++) yield return (items[i], i + 1);
        await Task.CompletedTask.ConfigureAwait(false);
    }

    private static async IAsyncEnumerable<(IReadOnlyList<TKey>, TKey)> BatchesAsync<TKey>(
        Func<Resume<TKey>, int, CancellationToken, Task<IReadOnlyList<TKey>>> page, int size, Resume<TKey> after,
        [EnumeratorCancellation] CancellationToken token)
    {
        while (true)
        {
            var batch = await page(after, size, token).ConfigureAwait(false);
            if (batch.Count == 0) yield break;
            var last = batch[^1];
            yield return (batch, last);
            if (batch.Count < size) yield break;
            after = Resume<TKey>.From(last);
        }
    }
}
