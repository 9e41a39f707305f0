using System.Text;
using System.Text.Json;

namespace Pool.Protocol.Payloads;

/// <summary>
/// Byte-preserving edits of one top-level payload field. Resque finds and deletes jobs by their
/// exact text, and unknown fields must survive, so a payload is never re-encoded: the field's
/// value is spliced in place, or the field is appended before the final brace.
/// </summary>
public static class PayloadFields
{
    /// <summary>Sets <paramref name="field"/> to <paramref name="jsonValue"/> (already valid, compact JSON).</summary>
    public static string Set(string raw, string field, string jsonValue)
    {
        var bytes = Encoding.UTF8.GetBytes(raw);
        if (FindValue(bytes, field) is var (start, end))
            return Encoding.UTF8.GetString(bytes, 0, start) + jsonValue + Encoding.UTF8.GetString(bytes, end, bytes.Length - end);

        var close = raw.LastIndexOf('}');
        if (close < 0) throw new FormatException("payload is not a JSON object");
        var body = raw[..close].TrimEnd();
        var separator = body.EndsWith('{') ? "" : ",";
        return body + separator + ResqueJson.Quote(field) + ":" + jsonValue + raw[close..];
    }

    /// <summary>The raw JSON text of a top-level field, or null when it is absent.</summary>
    public static string? Get(string raw, string field)
    {
        var bytes = Encoding.UTF8.GetBytes(raw);
        return FindValue(bytes, field) is var (start, end) ? Encoding.UTF8.GetString(bytes, start, end - start) : null;
    }

    /// <summary>Byte range [start, end) of the value of a top-level property.</summary>
    private static (int Start, int End)? FindValue(byte[] utf8, string field)
    {
        var reader = new Utf8JsonReader(utf8);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) throw new FormatException("payload is not a JSON object");
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var match = reader.ValueTextEquals(field);
            reader.Read();
            var start = (int)reader.TokenStartIndex;
            reader.Skip();
            if (match) return (start, (int)reader.BytesConsumed);
        }
        return null;
    }
}
