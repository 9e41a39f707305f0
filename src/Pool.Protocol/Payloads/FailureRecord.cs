using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Pool.Protocol.Payloads;

/// <summary>
/// An entry of resque:failed, in Resque's exact field order:
/// failed_at, payload, exception, error, backtrace, worker, queue.
/// </summary>
public static class FailureRecord
{
    public static string Build(DateTimeOffset failedAt, string rawPayload, string exception, string error,
        IEnumerable<string> backtrace, string worker, string queue)
    {
        var buffer = new ArrayBufferWriter<byte>(256 + rawPayload.Length);
        using (var w = new Utf8JsonWriter(buffer, ResqueJson.WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("failed_at", ResqueTime.Failed(failedAt));
            w.WritePropertyName("payload");
            // The payload goes in as stored, so "Retry" in resque-web pushes back the same bytes.
            if (IsJsonObject(rawPayload)) w.WriteRawValue(rawPayload, skipInputValidation: true);
            else w.WriteStringValue(rawPayload);
            w.WriteString("exception", exception);
            w.WriteString("error", error);
            w.WriteStartArray("backtrace");
            foreach (var line in backtrace) w.WriteStringValue(line);
            w.WriteEndArray();
            w.WriteString("worker", worker);
            w.WriteString("queue", queue);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static bool IsJsonObject(string raw)
    {
        try
        {
            using var doc = JsonDocument.Parse(raw);
            return doc.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
