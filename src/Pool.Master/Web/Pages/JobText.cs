using System.Text.Json;

namespace Pool.Master.Web.Pages;

/// <summary>A payload's class and args for display; a payload that is not JSON shows as unreadable, never fails the page.</summary>
internal static class JobText
{
    public static (string Class, string Args) ClassAndArgs(string? payload)
    {
        if (payload is null) return ("", "");
        try
        {
            using var doc = JsonDocument.Parse(payload);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return ("(not an object)", payload);
            var cls = root.TryGetProperty("class", out var c) ? c.ValueKind == JsonValueKind.String ? c.GetString()! : c.GetRawText() : "(no class)";
            var args = root.TryGetProperty("args", out var a) ? a.GetRawText() : "[]";
            return (cls, args);
        }
        catch (JsonException)
        {
            return ("(unreadable payload)", payload);
        }
    }
}
