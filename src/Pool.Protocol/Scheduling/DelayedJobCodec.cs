using System.Text;
using System.Text.Json;

namespace Pool.Protocol.Scheduling;

/// <summary>
/// resque-scheduler's encoding of a delayed job: Ruby's JSON.generate of the hash
/// {class:, args:, queue:}, keys in that order, nothing else in it (Ruby re-encodes exactly these
/// three fields to search, so any extra field would make the job unfindable from Ruby).
/// </summary>
internal static class DelayedJobCodec
{
    public static string Encode(string queue, string jobClass, IEnumerable<object?> args) =>
        Create(0, queue, jobClass, args).Encoded;

    /// <summary>The job due at Unix second <paramref name="at"/>, with its stored text.</summary>
    public static DelayedJob Create(long at, string queue, string jobClass, IEnumerable<object?> args)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queue);
        ArgumentException.ThrowIfNullOrWhiteSpace(jobClass);
        return FromArgsJson(at, queue, jobClass, RubyJson.Serialize(args));
    }

    /// <summary>The same from an "args" array already in JSON (kept byte for byte: a retry reuses the failed payload's).</summary>
    public static DelayedJob FromArgsJson(long at, string queue, string jobClass, string argsJson)
    {
        var sb = new StringBuilder(64 + argsJson.Length);
        sb.Append("{\"class\":");
        RubyJson.WriteString(sb, jobClass);
        sb.Append(",\"args\":").Append(argsJson).Append(",\"queue\":");
        RubyJson.WriteString(sb, queue);
        sb.Append('}');
        return new DelayedJob(at, queue, jobClass, argsJson, sb.ToString());
    }

    /// <summary>Reads a stored job, or says why it cannot be read (not JSON, no class or queue).</summary>
    public static bool TryDecode(long at, string encoded, out DelayedJob? job, out string? error)
    {
        job = null;
        try
        {
            using var doc = JsonDocument.Parse(encoded);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) { error = "delayed job is not a JSON object"; return false; }
            if (!root.TryGetProperty("class", out var cls) || cls.ValueKind != JsonValueKind.String) { error = "delayed job has no \"class\" string"; return false; }
            if (!root.TryGetProperty("queue", out var queue) || queue.ValueKind != JsonValueKind.String) { error = "delayed job has no \"queue\" string"; return false; }
            var args = root.TryGetProperty("args", out var a) && a.ValueKind == JsonValueKind.Array ? a.GetRawText() : "[]";
            job = new DelayedJob(at, queue.GetString()!, cls.GetString()!, args, encoded);
            error = null;
            return true;
        }
        catch (JsonException e)
        {
            error = "delayed job is not valid JSON: " + e.Message;
            return false;
        }
    }
}
