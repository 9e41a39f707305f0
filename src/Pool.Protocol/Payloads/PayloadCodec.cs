using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Pool.Protocol.Payloads;

/// <summary>
/// Encodes payloads the way Resque does ({"class":..,"args":[..]}, class first, compact) and
/// decodes them without ever re-encoding: the raw text is kept for every write back.
/// </summary>
public static class PayloadCodec
{
    public static string Encode(string jobClass, IEnumerable<object?> args)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jobClass);
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var w = new Utf8JsonWriter(buffer, ResqueJson.WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("class", jobClass);
            w.WritePropertyName("args");
            w.WriteStartArray();
            foreach (var arg in args)
            {
                JsonSerializer.Serialize(w, arg, arg?.GetType() ?? typeof(object), ResqueJson.Options);
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Decodes a payload, or says in plain words why it cannot run.</summary>
    public static bool TryDecode(string raw, out JobPayload? payload, out string? error)
    {
        payload = null;
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(raw);
        }
        catch (JsonException e)
        {
            error = $"payload is not valid JSON ({e.Message}): {Truncate(raw)}";
            return false;
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                error = $"payload is a JSON {root.ValueKind}, not an object with \"class\" and \"args\": {Truncate(raw)}";
                return false;
            }
            if (!root.TryGetProperty("class", out var cls) || cls.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(cls.GetString()))
            {
                error = $"payload has no \"class\" string: {Truncate(raw)}";
                return false;
            }

            JsonElement args;
            if (!root.TryGetProperty("args", out var a) || a.ValueKind == JsonValueKind.Null) args = EmptyArray;
            else if (a.ValueKind == JsonValueKind.Array) args = a.Clone();
            else
            {
                error = $"payload \"args\" is a JSON {a.ValueKind}, not an array: {Truncate(raw)}";
                return false;
            }

            var attempts = root.TryGetProperty(JobPayload.AttemptsField, out var n) && n.TryGetInt32(out var v) ? v : 0;
            payload = new JobPayload(raw, cls.GetString()!, args, attempts);
            error = null;
            return true;
        }
    }

    private static readonly JsonElement EmptyArray = JsonDocument.Parse("[]").RootElement.Clone();

    private static string Truncate(string s) => s.Length <= 200 ? s : s[..200] + "...";
}
