using System.Text;

namespace Pool.Master.Config;

/// <summary>
/// Textual ${VAR}, ${VAR:-default} and $$ substitution, done before the YAML is parsed, as in
/// docker-compose. It never runs code (resque-pool's ERB does; Pool has no ERB). A lone $ that
/// is not followed by { or $ is kept as it is, so "$5" in a comment stays "$5".
/// </summary>
public static class Interpolation
{
    public static string Apply(string text, IReadOnlyDictionary<string, string?> env, string file)
    {
        var sb = new StringBuilder(text.Length);
        var line = 1;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\n') line++;
            if (c != '$' || i + 1 >= text.Length)
            {
                sb.Append(c);
                continue;
            }

            var next = text[i + 1];
            if (next == '$')
            {
                sb.Append('$');
                i++;
            }
            else if (next == '{')
            {
                var close = text.IndexOf('}', i + 2);
                var newline = text.IndexOf('\n', i + 2);
                if (close < 0 || (newline >= 0 && newline < close))
                    throw new ConfigException(file, line, null, "unclosed ${ ... }: write ${VAR} or ${VAR:-default}, or $$ for a literal $");
                sb.Append(Resolve(text[(i + 2)..close], env, file, line));
                i = close;
            }
            else
            {
                sb.Append(c);
            }
        }
        return sb.ToString();
    }

    private static string Resolve(string expression, IReadOnlyDictionary<string, string?> env, string file, int line)
    {
        var split = expression.IndexOf(":-", StringComparison.Ordinal);
        var name = (split >= 0 ? expression[..split] : expression).Trim();
        if (name.Length == 0 || !name.All(ch => char.IsAsciiLetterOrDigit(ch) || ch == '_') || char.IsAsciiDigit(name[0]))
            throw new ConfigException(file, line, null, $"'${{{expression}}}' is not a variable reference: use ${{NAME}} or ${{NAME:-default}} with letters, digits and _");

        env.TryGetValue(name, out var value);
        if (split >= 0)
            return string.IsNullOrEmpty(value) ? expression[(split + 2)..] : value;
        return value ?? throw new ConfigException(file, line, null,
            $"variable {name} is not set and has no default: set it, or write ${{{name}:-default}}");
    }
}
