using System.Text.RegularExpressions;

namespace Pool.Master.Config;

/// <summary>
/// What to write instead of a resque-pool file's ERB value. The common forms, an environment
/// variable with or without a fallback, translate one to one into ${VAR:-default}, so the error
/// shows the user's own variable rather than an example with another name.
/// </summary>
internal static partial class ErbHint
{
    /// <summary>"${STAR_WORKERS:-2}" for &lt;%= ENV['STAR_WORKERS'] || 2 %&gt;, or null when the ERB is anything else.</summary>
    public static string? Translate(string erb)
    {
        var m = EnvLookup().Match(erb);
        if (!m.Success) return null;
        var fallback = m.Groups["or"].Success ? m.Groups["or"].Value : m.Groups["fetch"].Success ? m.Groups["fetch"].Value : null;
        return fallback is null ? $"${{{m.Groups["var"].Value}}}" : $"${{{m.Groups["var"].Value}:-{fallback}}}";
    }

    // <%= ENV['X'] %>, <%= ENV["X"] || 2 %>, <%= ENV.fetch('X', 2) %>, <%= ENV.fetch("X") { 2 } %>; the fallback a bare or quoted word.
    [GeneratedRegex("""^\s*<%=\s*ENV(?:\[\s*['"](?<var>\w+)['"]\s*\]\s*(?:\|\|\s*['"]?(?<or>[\w.]+)['"]?)?|\.fetch\(\s*['"](?<var>\w+)['"]\s*(?:,\s*['"]?(?<fetch>[\w.]+)['"]?\s*\)|\)\s*\{\s*['"]?(?<fetch>[\w.]+)['"]?\s*\}))(?:\.to_i)?\s*-?%>\s*$""")]
    private static partial Regex EnvLookup();
}
