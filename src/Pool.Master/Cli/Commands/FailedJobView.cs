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
        j.Index, j.FailedAt, j.Queue, j.Class, Payload = AsJson(j.Payload), j.Exception, j.Error, j.Backtrace, j.Worker, j.RetriedAt, j.Raw,
    };

    public static string Describe(FailedJob j)
    {
        var sb = new StringBuilder();
        sb.Append($"failed job {j.Index}\n");
        sb.Append($"  failed at:  {j.FailedAt}\n");
        if (j.RetriedAt is not null) sb.Append($"  retried at: {j.RetriedAt}\n");
        sb.Append($"  queue:      {j.Queue}\n");
        sb.Append($"  worker:     {j.Worker}\n");
        sb.Append($"  payload:    {j.Payload}\n");
        sb.Append($"  exception:  {j.Exception}\n");
        sb.Append($"  error:      {j.Error}\n");
        if (j.Backtrace.Count > 0)
        {
            sb.Append("  backtrace:\n");
            foreach (var line in j.Backtrace) sb.Append("    ").Append(line).Append('\n');
        }
        return sb.ToString();
    }

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
