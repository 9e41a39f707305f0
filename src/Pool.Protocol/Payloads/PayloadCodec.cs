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
                JsonSerializer.Serialize(w, arg, ResqueJson.TypeInfo(arg?.GetType() ?? typeof(object)));
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
            if (!root.TryGetProperty("class", out var cls) || cls.ValueKind != JsonValueKind.String || !TryGetText(cls, out var className) || string.IsNullOrWhiteSpace(className))
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

            // Producers are not ours: every field Pool reads is checked here, so a bad one fails
            // this job with a message instead of throwing somewhere inside the worker.
            if (!TryReadAttempts(root, out var attempts, out error) || !CheckIteration(root, out error))
            {
                error += ": " + Truncate(raw);
                return false;
            }
            payload = new JobPayload(raw, className, args, attempts) { RetryCounter = RetryCounter(root) };
            return true;
        }
    }

    /// <summary>A JSON string's text; false for one with a lone surrogate escape ("\ud800"), which .NET cannot represent and would throw on.</summary>
    private static bool TryGetText(JsonElement value, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? text)
    {
        try
        {
            text = value.GetString()!;
            return true;
        }
        catch (InvalidOperationException)
        {
            text = null;
            return false;
        }
    }

    /// <summary>"pool_retry": only a resque-retry counter key counts; anything else is no retry (it is a hint, never a reason to fail the job).</summary>
    private static string? RetryCounter(JsonElement root) =>
        root.TryGetProperty(JobPayload.RetryField, out var v) && v.ValueKind == JsonValueKind.String && TryGetText(v, out var key)
            && key.StartsWith(Keys.KeyNames.RetryCounter, StringComparison.Ordinal) ? key : null;

    /// <summary>
    /// The payload without the retry mark the scripts append (retry_marked in common.lua), for a
    /// failure record: the failed list shows the job as its producer wrote it, as resque-retry's does.
    /// </summary>
    internal static string WithoutRetryMark(string raw)
    {
        const string mark = ",\"" + JobPayload.RetryField + "\":\"";
        var start = raw.IndexOf(mark, StringComparison.Ordinal);
        if (start < 0) return raw;
        var end = raw.IndexOf('"', start + mark.Length);
        // A key with an escape in it is left alone rather than cut in the middle of one.
        return end < 0 || raw.AsSpan(start, end - start).Contains('\\') ? raw : raw.Remove(start, end + 1 - start);
    }

    /// <summary>"pool_attempts": absent means 0; otherwise a whole number from 0 to int.MaxValue.</summary>
    private static bool TryReadAttempts(JsonElement root, out int attempts, out string? error)
    {
        attempts = 0;
        error = null;
        if (!root.TryGetProperty(JobPayload.AttemptsField, out var n)) return true;
        if (n.ValueKind == JsonValueKind.Number && n.TryGetInt32(out attempts) && attempts >= 0) return true;
        error = $"payload \"{JobPayload.AttemptsField}\" is {Describe(n)}, not a whole number of attempts from 0 to {int.MaxValue}; remove the field or fix it";
        attempts = 0;
        return false;
    }

    /// <summary>"pool_iteration": absent, or {"cursor":any, "interruptions":N, "run_time_ms":M} with N and M whole and not negative.</summary>
    private static bool CheckIteration(JsonElement root, out string? error)
    {
        error = null;
        if (!root.TryGetProperty(JobPayload.IterationField, out var state)) return true;
        var fix = $"remove \"{JobPayload.IterationField}\" to start the job over";
        if (state.ValueKind != JsonValueKind.Object)
        {
            error = $"payload \"{JobPayload.IterationField}\" is {Describe(state)}, not an object; {fix}";
            return false;
        }
        foreach (var counter in new[] { "interruptions", "run_time_ms" })
        {
            if (state.TryGetProperty(counter, out var v) && !(v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) && n >= 0 && (counter != "interruptions" || n <= int.MaxValue)))
            {
                error = $"payload \"{JobPayload.IterationField}\".\"{counter}\" is {Describe(v)}, not a whole number from 0 up; {fix}";
                return false;
            }
        }
        return true;
    }

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null => "null",
        JsonValueKind.String => $"the string {Truncate(value.GetRawText(), 40)}",
        JsonValueKind.Number => Truncate(value.GetRawText(), 40),
        _ => $"a JSON {value.ValueKind.ToString().ToLowerInvariant()}",
    };

    private static readonly JsonElement EmptyArray = JsonDocument.Parse("[]").RootElement.Clone();

    private static string Truncate(string s, int max = 200) => s.Length <= max ? s : s[..max] + "...";
}
