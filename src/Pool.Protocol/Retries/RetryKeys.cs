using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Pool.Protocol.Scheduling;

namespace Pool.Protocol.Retries;

/// <summary>
/// resque-retry 1.8's keys, byte for byte, so its Retry tab and a Ruby job class with the same
/// name see Pool's retries: the attempt counter "resque-retry:CLASS:SHA1(args.join('-'))" with
/// all whitespace removed (no identifier segment when the joined args are empty), and the
/// suppressed failure "failure-" + that key. Ruby's Array#join flattens nested arrays and writes
/// a hash as Hash#inspect ({"k"=>1}, Ruby 3.1 to 3.3), nil as "", floats as Float#to_s.
/// </summary>
internal static class RetryKeys
{
    /// <summary>The counter's logical key (without the namespace) for a job's class and "args" JSON array.</summary>
    public static string Counter(string jobClass, JsonElement args)
    {
        var joined = new StringBuilder();
        if (args.ValueKind == JsonValueKind.Array) Join(joined, args, first: true);
        var id = joined.Length == 0 ? null : Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(joined.ToString())));
        var key = id is null ? Keys.KeyNames.RetryCounter + jobClass : $"{Keys.KeyNames.RetryCounter}{jobClass}:{id}";
        return new string(key.Where(c => !char.IsWhiteSpace(c)).ToArray());
    }

    public static string Counter(string jobClass, string argsJson)
    {
        using var doc = JsonDocument.Parse(argsJson);
        return Counter(jobClass, doc.RootElement);
    }

    /// <summary>The suppressed failure's logical key.</summary>
    public static string Failure(string counterKey) => Keys.KeyNames.RetryFailure + counterKey;

    private static bool Join(StringBuilder sb, JsonElement array, bool first)
    {
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.Array)
            {
                first = Join(sb, item, first);
                continue;
            }
            if (!first) sb.Append('-');
            first = false;
            AppendToS(sb, item);
        }
        return first;
    }

    /// <summary>Ruby's to_s of a JSON-decoded value.</summary>
    private static void AppendToS(StringBuilder sb, JsonElement v)
    {
        switch (v.ValueKind)
        {
            case JsonValueKind.String: sb.Append(v.GetString()); break;
            case JsonValueKind.Null: break;
            case JsonValueKind.Object: Inspect(sb, v); break;
            default: sb.Append(Number(v)); break;
        }
    }

    /// <summary>Ruby's inspect: strings quoted with Ruby's escapes, nil, and hashes with "=>".</summary>
    private static void Inspect(StringBuilder sb, JsonElement v)
    {
        switch (v.ValueKind)
        {
            case JsonValueKind.String: RubyJson.WriteString(sb, v.GetString()!); break;
            case JsonValueKind.Null: sb.Append("nil"); break;
            case JsonValueKind.Array:
                sb.Append('[');
                var i = 0;
                foreach (var item in v.EnumerateArray())
                {
                    if (i++ > 0) sb.Append(", ");
                    Inspect(sb, item);
                }
                sb.Append(']');
                break;
            case JsonValueKind.Object:
                sb.Append('{');
                var j = 0;
                foreach (var p in v.EnumerateObject())
                {
                    if (j++ > 0) sb.Append(", ");
                    RubyJson.WriteString(sb, p.Name);
                    sb.Append("=>");
                    Inspect(sb, p.Value);
                }
                sb.Append('}');
                break;
            default: sb.Append(Number(v)); break;
        }
    }

    /// <summary>true, false, integers as written, and floats as Ruby prints them ("1.0" stays "1.0").</summary>
    private static string Number(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ when v.GetRawText() is var raw && raw.IndexOfAny(['.', 'e', 'E']) < 0 => raw,
        // Beyond a double (1e400): Ruby's own to_json refuses it, so no Ruby key exists to
        // match; the text as written keeps the key stable, and the job fails like any other.
        _ when double.Parse(v.GetRawText(), CultureInfo.InvariantCulture) is var d && double.IsFinite(d) => RubyJson.Float(d),
        _ => v.GetRawText(),
    };
}
