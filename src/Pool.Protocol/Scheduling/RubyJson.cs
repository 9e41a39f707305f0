using System.Collections;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Pool.Protocol.Payloads;

namespace Pool.Protocol.Scheduling;

/// <summary>
/// Writes JSON byte for byte the way Ruby's JSON.generate does (json 2.x, the generator behind
/// Resque.encode). resque-scheduler uses an encoded job as part of a key name and as the LREM
/// argument of remove_delayed, so a delayed job Pool writes can be found from Ruby only when
/// Pool's bytes are Ruby's. Where it differs from System.Text.Json, even relaxed:
/// - strings: only '"', '\\' and bytes below 0x20 are escaped (\b \f \n \r \t, else \u00xx in
///   lower case); "/", "&lt;&gt;&amp;'", DEL, U+2028 and characters outside the BMP (emoji) stay raw;
/// - floats: Ruby's Float#to_s ("1.0", "1.0e+20", "1.0e-05"): fixed notation while the decimal
///   exponent is between -4 and 16, exponent form with a signed two-digit exponent outside.
/// Checked against ruby 3.1 / json 2.6 (see the fixtures in DelayedJobCodecTests).
/// </summary>
internal static class RubyJson
{
    public static string Serialize(object? value)
    {
        var sb = new StringBuilder();
        Write(sb, value);
        return sb.ToString();
    }

    public static void Write(StringBuilder sb, object? value)
    {
        switch (value)
        {
            case null: sb.Append("null"); break;
            case string s: WriteString(sb, s); break;
            case bool b: sb.Append(b ? "true" : "false"); break;
            case double d: sb.Append(Float(d)); break;
            case float f: sb.Append(Float(double.Parse(f.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture))); break;
            case decimal m: sb.Append(Float((double)m)); break;
            case sbyte or byte or short or ushort or int or uint or long or ulong or System.Numerics.BigInteger:
                sb.Append(Convert.ToString(value, CultureInfo.InvariantCulture)); break;
            case char c: WriteString(sb, c.ToString()); break;
            case JsonElement e: WriteElement(sb, e); break;
            case JsonDocument doc: WriteElement(sb, doc.RootElement); break;
            case IDictionary dict: WriteDictionary(sb, dict); break;
            case IEnumerable items: WriteArray(sb, items); break;
            // Records, anonymous objects, DateTime and friends: whatever System.Text.Json makes of
            // them, re-written in Ruby's spelling.
            default: WriteElement(sb, JsonSerializer.SerializeToElement(value, ResqueJson.TypeInfo(value.GetType()))); break;
        }
    }

    private static void WriteDictionary(StringBuilder sb, IDictionary dict)
    {
        sb.Append('{');
        var first = true;
        foreach (DictionaryEntry entry in dict)
        {
            if (!first) sb.Append(',');
            first = false;
            // Ruby turns every key into a string (to_s).
            WriteString(sb, Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? "");
            sb.Append(':');
            Write(sb, entry.Value);
        }
        sb.Append('}');
    }

    private static void WriteArray(StringBuilder sb, IEnumerable items)
    {
        sb.Append('[');
        var first = true;
        foreach (var item in items)
        {
            if (!first) sb.Append(',');
            first = false;
            Write(sb, item);
        }
        sb.Append(']');
    }

    private static void WriteElement(StringBuilder sb, JsonElement e)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                sb.Append('{');
                var first = true;
                foreach (var p in e.EnumerateObject())
                {
                    if (!first) sb.Append(',');
                    first = false;
                    WriteString(sb, p.Name);
                    sb.Append(':');
                    WriteElement(sb, p.Value);
                }
                sb.Append('}');
                break;
            case JsonValueKind.Array:
                sb.Append('[');
                var firstItem = true;
                foreach (var item in e.EnumerateArray())
                {
                    if (!firstItem) sb.Append(',');
                    firstItem = false;
                    WriteElement(sb, item);
                }
                sb.Append(']');
                break;
            case JsonValueKind.String: WriteString(sb, e.GetString()!); break;
            case JsonValueKind.Number: WriteNumber(sb, e); break;
            case JsonValueKind.True: sb.Append("true"); break;
            case JsonValueKind.False: sb.Append("false"); break;
            default: sb.Append("null"); break;
        }
    }

    /// <summary>
    /// An integer keeps its digits (a bignum included). A float is written as Ruby's Float#to_s
    /// writes it, as Ruby would after parsing it: `1e20` typed on the command line is stored as
    /// `1.0e+20` and `1.50` as `1.5`, so Ruby's remove_delayed, which encodes the job again,
    /// finds it. Ruby's own text ("1.0", "1.0e+20") comes out unchanged.
    /// </summary>
    private static void WriteNumber(StringBuilder sb, JsonElement e)
    {
        var raw = e.GetRawText();
        if (raw.AsSpan().IndexOfAny('.', 'e', 'E') < 0 || !double.IsFinite(e.GetDouble())) sb.Append(raw);
        else sb.Append(Float(e.GetDouble()));
    }

    public static void WriteString(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case < ' ': sb.Append("\\u00").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture)); break;
                default: sb.Append(c); break;
            }
        }
        sb.Append('"');
    }

    /// <summary>Ruby's Float#to_s for a finite double (Ruby's generator refuses NaN and Infinity, so does this).</summary>
    public static string Float(double d)
    {
        if (!double.IsFinite(d)) throw new ArgumentException($"{d} cannot be written as JSON (Ruby's JSON.generate refuses it too)");
        if (d == 0) return double.IsNegative(d) ? "-0.0" : "0.0";
        var (digits, decpt) = Digits(Math.Abs(d).ToString("R", CultureInfo.InvariantCulture));
        var sign = d < 0 ? "-" : "";
        if (decpt > -4 && decpt < 16)
        {
            if (decpt <= 0) return sign + "0." + new string('0', -decpt) + digits;
            if (digits.Length <= decpt) return sign + digits + new string('0', decpt - digits.Length) + ".0";
            return sign + digits[..decpt] + "." + digits[decpt..];
        }
        var exponent = decpt - 1;
        var mantissa = digits.Length == 1 ? digits + ".0" : digits[..1] + "." + digits[1..];
        return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture);
    }

    /// <summary>The significant digits of a positive number's shortest text, and where the point goes (value = 0.DIGITS × 10^decpt).</summary>
    private static (string Digits, int Decpt) Digits(string text)
    {
        var exp = 0;
        var e = text.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            exp = int.Parse(text[(e + 1)..], CultureInfo.InvariantCulture);
            text = text[..e];
        }
        var point = text.IndexOf('.');
        var intPart = point < 0 ? text : text[..point];
        var fracPart = point < 0 ? "" : text[(point + 1)..];
        var all = intPart + fracPart;
        var decpt = intPart.Length + exp;
        var lead = 0;
        while (lead < all.Length - 1 && all[lead] == '0') { lead++; decpt--; }
        all = all[lead..].TrimEnd('0');
        return (all.Length == 0 ? "0" : all, decpt);
    }
}
