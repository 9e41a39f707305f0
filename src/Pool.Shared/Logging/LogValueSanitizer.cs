using System.Buffers;
using System.Globalization;
using System.Text;
using Serilog.Core;
using Serilog.Events;

namespace Pool.Logging;

/// <summary>
/// Keeps one event on one line whatever a job's data holds. Class names, queue names and error
/// messages come from payloads anyone can push: a newline in one forged a whole line of the
/// master's ("...ERR [master 1] FORGED"), an escape sequence recoloured a terminal, and a 5 MB
/// error message became a 5 MB line. So every string value is shown with control characters
/// escaped as \n, \r, \t or \uXXXX, and cut at <see cref="MaxLength"/> characters with its
/// full length noted. The failed list keeps the whole text; the log is for reading.
/// </summary>
internal sealed class LogValueSanitizer : ILogEventEnricher
{
    public const int MaxLength = 2000;

    // C0, DEL and C1 controls; the line and paragraph separators some viewers break lines at;
    // and the bidirectional overrides and isolates that make text read other than it is.
    private static readonly SearchValues<char> Controls = SearchValues.Create(
        ((int[])[.. Enumerable.Range(0, 0x20), 0x7f, .. Enumerable.Range(0x80, 0x20), 0x2028, 0x2029, .. Enumerable.Range(0x202a, 5), .. Enumerable.Range(0x2066, 4)])
            .Select(c => (char)c).ToArray());

    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
    {
        List<LogEventProperty>? replaced = null;
        // Every event passes here (two per job on a busy worker): Serilog keeps a Dictionary, whose
        // struct enumerator allocates nothing, where the interface's would.
        if (logEvent.Properties is Dictionary<string, LogEventPropertyValue> properties)
        {
            foreach (var (name, value) in properties) Consider(name, value, ref replaced);
        }
        else
        {
            foreach (var (name, value) in logEvent.Properties) Consider(name, value, ref replaced);
        }
        if (replaced is null) return;
        foreach (var property in replaced) logEvent.AddOrUpdateProperty(property);
    }

    private static void Consider(string name, LogEventPropertyValue value, ref List<LogEventProperty>? replaced)
    {
        if (value is ScalarValue { Value: string text } && NeedsCleaning(text))
            (replaced ??= []).Add(new LogEventProperty(name, new ScalarValue(Clean(text))));
    }

    private static bool NeedsCleaning(string text) => text.Length > MaxLength || text.AsSpan().ContainsAny(Controls);

    internal static string Clean(string text) => Clean(text, MaxLength);

    /// <summary><paramref name="text"/> on one line: control characters escaped, cut at <paramref name="maxLength"/> characters with its length noted.</summary>
    internal static string Clean(string text, int maxLength)
    {
        if (text.Length <= maxLength && !text.AsSpan().ContainsAny(Controls)) return text;
        var shown = text.Length > maxLength ? text.AsSpan(0, maxLength) : text.AsSpan();
        var output = new StringBuilder(shown.Length + 16);
        foreach (var c in shown)
        {
            switch (c)
            {
                case '\n': output.Append("\\n"); break;
                case '\r': output.Append("\\r"); break;
                case '\t': output.Append("\\t"); break;
                default:
                    if (Controls.Contains(c)) output.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else output.Append(c);
                    break;
            }
        }
        if (text.Length > maxLength) output.Append(CultureInfo.InvariantCulture, $"... ({text.Length:N0} characters)");
        return output.ToString();
    }
}
