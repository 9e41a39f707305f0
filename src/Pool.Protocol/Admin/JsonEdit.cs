using System.Text;
using System.Text.Json;

namespace Pool.Protocol.Admin;

/// <summary>
/// Edits one top-level field of a JSON object without re-encoding the rest. Resque finds and
/// deletes entries by comparing encoded strings, so every byte Pool does not mean to change
/// must stay as it was. Offsets come from Utf8JsonReader, so strings that contain braces or
/// the field's name cannot fool it.
/// </summary>
internal static class JsonEdit
{
    /// <summary>Sets <paramref name="name"/> to <paramref name="rawValue"/> (already JSON): in place when present, else appended last, as Ruby's Hash#[]= does.</summary>
    public static string SetField(string json, string name, string rawValue)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var value = Encoding.UTF8.GetBytes(rawValue);
        if (Find(bytes, name) is { } found)
            return Splice(bytes, found.ValueStart, found.ValueEnd, value);

        var close = Array.LastIndexOf(bytes, (byte)'}');
        var empty = IsEmptyObject(bytes, close);
        var insert = Encoding.UTF8.GetBytes((empty ? "" : ",") + ResqueJsonQuote(name) + ":").Concat(value).ToArray();
        return Splice(bytes, close, close, insert);
    }

    /// <summary>Removes <paramref name="name"/> and one comma beside it; returns the text unchanged when the field is absent.</summary>
    public static string RemoveField(string json, string name)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        if (Find(bytes, name) is not { } found) return json;
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
        return Splice(bytes, start, end, []);
    }

    private readonly record struct Field(int NameStart, int ValueStart, int ValueEnd);

    private static Field? Find(byte[] bytes, string name)
    {
        var reader = new Utf8JsonReader(bytes);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            throw new JsonException("not a JSON object");
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var nameStart = (int)reader.TokenStartIndex;
            var match = reader.ValueTextEquals(name);
            reader.Read();
            var valueStart = (int)reader.TokenStartIndex;
            reader.Skip();
            var valueEnd = (int)reader.BytesConsumed;
            if (match) return new Field(nameStart, valueStart, valueEnd);
        }
        return null;
    }

    private static bool IsEmptyObject(byte[] bytes, int close)
    {
        var i = close - 1;
        while (i >= 0 && IsSpace(bytes[i])) i--;
        return i >= 0 && bytes[i] == (byte)'{';
    }

    private static int SkipSpace(byte[] bytes, int i)
    {
        while (i < bytes.Length && IsSpace(bytes[i])) i++;
        return i;
    }

    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r';

    private static string Splice(byte[] bytes, int start, int end, byte[] insert) =>
        Encoding.UTF8.GetString([.. bytes.AsSpan(0, start), .. insert, .. bytes.AsSpan(end)]);

    private static string ResqueJsonQuote(string s) => Payloads.ResqueJson.Quote(s);
}
