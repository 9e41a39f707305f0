namespace Pool.Worker.Iteration;

/// <summary>Where an enumeration starts: at its beginning, or just after the item a cursor names.</summary>
public readonly record struct Resume<TCursor>(bool IsStart, TCursor Cursor)
{
    public static Resume<TCursor> Start => new(true, default!);

    public static Resume<TCursor> From(TCursor cursor) => new(false, cursor);

    /// <summary>The cursor, or <paramref name="start"/> when there is none yet.</summary>
    public TCursor Or(TCursor start) => IsStart ? start : Cursor;
}
