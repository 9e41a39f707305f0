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

    /// <summary>Removes <paramref name="field"/> and one comma beside it; returns the text unchanged when the field is absent.</summary>
    public static string Remove(string raw, string field)
    {
        var bytes = Encoding.UTF8.GetBytes(raw);
        if (Find(bytes, field) is not { } found) return raw;
        var start = found.NameStart;
        var end = found.ValueEnd;
        var after = SkipSpace(bytes, end);
        if (after < bytes.Length && bytes[after] == (byte)',')
        {
            end = SkipSpace(bytes, after + 1);
        }
        else
        {
            var before = start - 1;
            while (before >= 0 && IsSpace(bytes[before])) before--;
            if (before >= 0 && bytes[before] == (byte)',') start = before;
        }
        return Encoding.UTF8.GetString([.. bytes.AsSpan(0, start), .. bytes.AsSpan(end)]);
    }

    /// <summary>Byte range [start, end) of the value of a top-level property.</summary>
    private static (int Start, int End)? FindValue(byte[] utf8, string field) =>
        Find(utf8, field) is { } found ? (found.ValueStart, found.ValueEnd) : null;

    private readonly record struct Field(int NameStart, int ValueStart, int ValueEnd);

    /// <summary>
    /// Offsets come from Utf8JsonReader, so strings that contain braces or the field's name, and
    /// nested objects with a field of the same name, cannot fool it.
    /// </summary>
    private static Field? Find(byte[] utf8, string field)
    {
        var reader = new Utf8JsonReader(utf8);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) throw new FormatException("payload is not a JSON object");
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var nameStart = (int)reader.TokenStartIndex;
            var match = reader.ValueTextEquals(field);
            reader.Read();
            var start = (int)reader.TokenStartIndex;
            reader.Skip();
            if (match) return new Field(nameStart, start, (int)reader.BytesConsumed);
        }
        return null;
    }

    private static int SkipSpace(byte[] bytes, int i)
    {
        while (i < bytes.Length && IsSpace(bytes[i])) i++;
        return i;
    }

    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r';
}
