using System.Globalization;
using System.Text.Json;
using Pool.Protocol.Payloads;

namespace Pool.Worker.Iteration;

/// <summary>
/// The payload field "pool_iteration": {"cursor":..,"interruptions":N,"run_time_ms":M}. Resque
/// ignores it; Pool splices it into the payload in place (see <see cref="PayloadFields"/>), so
/// class, args and unknown fields keep their exact bytes.
/// </summary>
/// <param name="Cursor">The cursor's JSON text, or null before the first item is done.</param>
/// <param name="Interruptions">How many times the job stopped before finishing (TERM, USR1, slice).</param>
/// <param name="RunTimeMs">Total time spent iterating, over every run.</param>
public sealed record IterationState(string? Cursor, int Interruptions, long RunTimeMs)
{
    public const string Field = JobPayload.IterationField;

    public static readonly IterationState Fresh = new(null, 0, 0);

    /// <summary>Reads the field from a raw payload; a missing or malformed field means a fresh start.</summary>
    public static IterationState Read(string rawPayload)
    {
        if (PayloadFields.Get(rawPayload, Field) is not { } json) return Fresh;
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return Fresh;
            var cursor = root.TryGetProperty("cursor", out var c) ? c.GetRawText() : null;
            // PayloadCodec rejects a bad field before a job runs; these checks only keep Read total.
            var interruptions = root.TryGetProperty("interruptions", out var n) && n.ValueKind == JsonValueKind.Number && n.TryGetInt32(out var ni) ? ni : 0;
            var runTime = root.TryGetProperty("run_time_ms", out var r) && r.ValueKind == JsonValueKind.Number && r.TryGetInt64(out var rl) ? rl : 0;
            return new IterationState(cursor, interruptions, runTime);
        }
        catch (JsonException)
        {
            return Fresh;
        }
    }

    public string ToJson()
    {
        var counters = string.Create(CultureInfo.InvariantCulture, $"\"interruptions\":{Interruptions},\"run_time_ms\":{RunTimeMs}");
        return Cursor is null ? "{" + counters + "}" : "{\"cursor\":" + Cursor + "," + counters + "}";
    }

    /// <summary>The payload with this state in its "pool_iteration" field, every other byte unchanged.</summary>
    public string WriteInto(string rawPayload) => PayloadFields.Set(rawPayload, Field, ToJson());
}
