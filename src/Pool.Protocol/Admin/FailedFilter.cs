namespace Pool.Protocol.Admin;

/// <summary>
/// What the dashboard's failed page filters on: substrings, case-insensitive, each optional. A
/// cheap test on the raw entry text runs before the entry is parsed, so a filter over a million
/// entries parses only the few that can match.
/// </summary>
public sealed record FailedFilter(string? Class, string? Queue, string? Error)
{
    public static readonly FailedFilter None = new(null, null, null);

    public bool IsEmpty => string.IsNullOrEmpty(Class) && string.IsNullOrEmpty(Queue) && string.IsNullOrEmpty(Error);

    /// <summary>
    /// False only when the entry cannot match: every filter text must occur somewhere in it. A
    /// text with characters a JSON writer may escape (quotes, &lt;, non-ASCII: "\u003C") is not
    /// looked for in the raw entry, only in the parsed fields.
    /// </summary>
    public bool MayMatch(string raw) =>
        Raw(raw, Class) && Raw(raw, Queue) && Raw(raw, Error);

    private static bool Raw(string raw, string? part) => part is null || !IsPlain(part) || Has(raw, part);

    private static bool IsPlain(string part) => part.All(c => char.IsAsciiLetterOrDigit(c) || c is ' ' or '_' or '.' or ':' or '-' or '#' or '@' or ',');

    public bool Matches(FailedJob job) =>
        Has(job.Class, Class) && Has(job.Queue, Queue) && (Has(job.Error, Error) || Has(job.Exception, Error));

    private static bool Has(string? text, string? part) =>
        string.IsNullOrEmpty(part) || (text is not null && text.Contains(part, StringComparison.OrdinalIgnoreCase));
}
