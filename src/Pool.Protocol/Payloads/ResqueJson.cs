using System.Text.Encodings.Web;
using System.Text.Json;

namespace Pool.Protocol.Payloads;

/// <summary>
/// JSON settings that match what Ruby's JSON.generate writes: compact, and no escaping of "/",
/// "&lt;", non-ASCII and friends. Resque deletes jobs by comparing encoded strings, so Pool must
/// write byte for byte what a Ruby producer would.
/// </summary>
public static class ResqueJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = false,
    };

    public static JsonWriterOptions WriterOptions { get; } = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
        SkipValidation = false,
    };

    /// <summary>A JSON string literal (with quotes) for <paramref name="value"/>.</summary>
    public static string Quote(string value) => JsonSerializer.Serialize(value, Options);
}
