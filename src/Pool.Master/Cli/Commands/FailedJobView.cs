using System.Text;
using System.Text.Json;
using Pool.Protocol.Admin;

namespace Pool.Master.Cli.Commands;

/// <summary>How a failed job is printed: a summary row, a full JSON object, or a readable block.</summary>
internal static class FailedJobView
{
    public static object Summary(FailedJob j) => new { j.Index, j.FailedAt, j.Queue, j.Class, j.Exception, j.Error, j.RetriedAt };

    public static object Full(FailedJob j) => new
    {
        j.Index, j.FailedAt, j.Queue, j.Class, Payload = AsJson(j.Payload), j.Exception, j.Error, j.Backtrace, j.Worker, j.RetriedAt, j.Attempts, j.Raw,
    };

    public static string Describe(FailedJob j)
    {
        var sb = new StringBuilder();
        sb.Append($"failed job {j.Index}\n");
        sb.Append($"  failed at:  {Shown(j.FailedAt)}\n");
        if (j.RetriedAt is not null) sb.Append($"  retried at: {Shown(j.RetriedAt)}\n");
        if (j.Attempts is { } attempts) sb.Append($"  attempts:   {attempts}, then given up\n");
        sb.Append($"  queue:      {Shown(j.Queue)}\n");
        sb.Append($"  worker:     {Shown(j.Worker)}\n");
        sb.Append($"  payload:    {Shown(j.Payload)}\n");
        sb.Append($"  exception:  {Shown(j.Exception)}\n");
        sb.Append($"  error:      {Shown(j.Error)}\n");
        // An entry that is not Resque's JSON object (a foreign writer's, a truncated one) is shown as stored.
        if (j.FailedAt is null && j.Payload is null && j.Exception is null) sb.Append($"  stored as:  {Shown(j.Raw)}\n");
        if (j.Backtrace.Count > 0)
        {
            sb.Append("  backtrace:\n");
            foreach (var line in j.Backtrace) sb.Append("    ").Append(Shown(line)).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>
    /// A field as a terminal may show it: whole, with control characters escaped. The record is
    /// anyone's data; an error holding ESC[2J cleared the operator's screen.
    /// </summary>
    private static string Shown(string? text) => Pool.Logging.LogValueSanitizer.Clean(text ?? "", int.MaxValue);

    private static JsonElement? AsJson(string? payload)
    {
        if (payload is null) return null;
        try
        {
            using var doc = JsonDocument.Parse(payload);
            return doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            return JsonSerializer.SerializeToElement(payload);
        }
    }
}
