using System.Text.Json;

namespace Pool.Protocol.Admin;

/// <summary>
/// One entry of NS:failed, as Resque writes it. <see cref="Raw"/> is the exact stored string;
/// the other fields are read from it for display and may be null when a foreign writer left
/// them out.
/// </summary>
/// <param name="Index">0-based position in the list, as resque-web numbers them.</param>
/// <param name="Payload">The payload's JSON text exactly as stored in the entry (or the string's value when it was not an object).</param>
public sealed record FailedJob(
    long Index, string Raw, string? FailedAt, string? Queue, string? Class, string? Payload,
    string? Exception, string? Error, IReadOnlyList<string> Backtrace, string? Worker, string? RetriedAt)
{
    /// <summary>
    /// How many times the job ran before it was given up, from the entry's "retry_attempts" (Pool
    /// writes it when automatic retries run out or are removed); null when the entry does not say.
    /// </summary>
    public int? Attempts { get; init; }

    public static FailedJob Parse(long index, string raw)
    {
        try
        {
            using var doc = JsonDocument.Parse(raw);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return Unreadable(index, raw);
            string? payload = null, cls = null;
            if (root.TryGetProperty("payload", out var p))
            {
                payload = p.ValueKind == JsonValueKind.String ? p.GetString() : p.GetRawText();
                if (p.ValueKind == JsonValueKind.Object && p.TryGetProperty("class", out var c) && c.ValueKind == JsonValueKind.String)
                    cls = c.GetString();
            }
            var backtrace = root.TryGetProperty("backtrace", out var b) && b.ValueKind == JsonValueKind.Array
                ? b.EnumerateArray().Select(l => l.ValueKind == JsonValueKind.String ? l.GetString()! : l.GetRawText()).ToList()
                : [];
            // A queue that is not a string (["x"]) is no queue: a retry would make one named after its JSON.
            var queue = root.TryGetProperty("queue", out var q) && q.ValueKind == JsonValueKind.String ? q.GetString() : null;
            return new FailedJob(index, raw, Str(root, "failed_at"), queue, cls, payload,
                Str(root, "exception"), Str(root, "error"), backtrace, Str(root, "worker"), Str(root, "retried_at"))
            {
                Attempts = root.TryGetProperty("retry_attempts", out var a) && a.ValueKind == JsonValueKind.Number && a.TryGetInt32(out var n) ? n : null,
            };
        }
        catch (JsonException)
        {
            return Unreadable(index, raw);
        }
    }

    private static FailedJob Unreadable(long index, string raw) =>
        new(index, raw, null, null, null, null, null, "(entry is not a JSON object)", [], null, null);

    private static string? Str(JsonElement root, string name) =>
        root.TryGetProperty(name, out var v) ? v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText() : null;
}
