namespace Pool.Worker.Iteration;

/// <summary>
/// A sequence of items that can be resumed. Each item comes with the cursor that resumes AFTER
/// it: once the item is done, that cursor is saved, so a resumed run never repeats a finished
/// item and never skips one. Cursors are serialised with System.Text.Json into the payload.
/// </summary>
public abstract class Enumeration<TItem, TCursor>
{
    /// <summary>Items from <paramref name="from"/> on, each with its resume-after cursor.</summary>
    public abstract IAsyncEnumerable<(TItem Item, TCursor Next)> ReadAsync(Resume<TCursor> from, CancellationToken token);
}

/// <summary>An enumeration from a delegate: any async source that can start from a cursor.</summary>
internal sealed class DelegateEnumeration<TItem, TCursor>(Func<Resume<TCursor>, CancellationToken, IAsyncEnumerable<(TItem, TCursor)>> read)
    : Enumeration<TItem, TCursor>
{
    public override IAsyncEnumerable<(TItem Item, TCursor Next)> ReadAsync(Resume<TCursor> from, CancellationToken token) => read(from, token);
}
