using System.Text;

namespace Pool.Master.Config;

/// <summary>
/// ${VAR}, ${VAR:-default} and $$ in one YAML scalar, after the file was parsed. Because it
/// runs on a value that is already a scalar, whatever a variable holds (newlines, colons,
/// braces) stays inside that scalar: it can never add a key, a section or a command. Keys and
/// commands take no variables at all (see <see cref="ConfigValues"/>), only $$. It never runs
/// code (resque-pool's ERB does; Pool has no ERB). A lone $ not followed by { or $ is kept.
/// </summary>
internal static class Interpolation
{
    /// <summary>Expands <paramref name="text"/>; <paramref name="variables"/> false makes any ${...} an error that says why.</summary>
    public static string Apply(string text, IReadOnlyDictionary<string, string?> env, ConfigPlace place, bool variables)
    {
        if (!text.Contains('$', StringComparison.Ordinal)) return text;
        var sb = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var next = i + 1 < text.Length ? text[i + 1] : '\0';
            if (c == '$' && next == '$')
            {
                sb.Append('$');
                i++;
            }
            else if (c == '$' && next == '{')
            {
                if (!variables)
                    throw place.Error($"variables like ${{...}} are expanded in values only, never in keys or commands (they could change what runs); write the text out, use $$ for a literal $, or set the command with --worker-command / POOL_WORKER_COMMAND");
                var close = text.IndexOf('}', i + 2);
                if (close < 0)
                    throw place.Error("unclosed ${ ... }: write ${VAR} or ${VAR:-default}, or $$ for a literal $");
                sb.Append(Resolve(text[(i + 2)..close], env, place));
                i = close;
            }
            else
            {
                sb.Append(c);
            }
        }
        return sb.ToString();
    }

    private static string Resolve(string expression, IReadOnlyDictionary<string, string?> env, ConfigPlace place)
    {
        var split = expression.IndexOf(":-", StringComparison.Ordinal);
        var name = (split >= 0 ? expression[..split] : expression).Trim();
        if (name.Length == 0 || !name.All(ch => char.IsAsciiLetterOrDigit(ch) || ch == '_') || char.IsAsciiDigit(name[0]))
            throw place.Error($"'${{{expression}}}' is not a variable reference: use ${{NAME}} or ${{NAME:-default}} with letters, digits and _");

        env.TryGetValue(name, out var value);
        if (split >= 0)
            return string.IsNullOrEmpty(value) ? expression[(split + 2)..] : value;
        return value ?? throw place.Error($"variable {name} is not set and has no default: set it, or write ${{{name}:-default}}");
    }
}
