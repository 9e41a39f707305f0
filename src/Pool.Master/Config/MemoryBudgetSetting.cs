using System.Globalization;

namespace Pool.Master.Config;

/// <summary>
/// pool.yml's top-level `memory_budget`: megabytes ("1536", "1536MB"), gigabytes ("1.5GB"), or a
/// share of the memory limit ("80%"). Parsed once, when the config is read, so a bad value is a
/// config error with its line, never a surprise at spawn time.
/// </summary>
public sealed record MemoryBudgetSetting(long? Bytes, double? Percent, string Text)
{
    public const string Key = "memory_budget";
    public const string Example = "memory_budget: 1536MB (or 1.5GB, or 80%)";
    private const long MiB = 1024 * 1024;
    /// <summary>1 PiB: far above any machine, and a budget in bytes stays far from overflowing.</summary>
    private const long MaxBytes = 1L << 50;

    /// <summary>
    /// Where pool.yml sets it: a budget too small for the pool is only found once the memory
    /// limit is known, after the file is read, and that error must name the line too. Null for
    /// a setting not read from a file.
    /// </summary>
    internal ConfigPlace? Place { get; init; }

    /// <summary>Null with <paramref name="problem"/> set when the text is not a size.</summary>
    public static MemoryBudgetSetting? Parse(string? text, out string? problem)
    {
        problem = null;
        var value = text?.Trim() ?? "";
        if (value.EndsWith('%'))
        {
            if (double.TryParse(value[..^1].TrimEnd(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var percent) && percent is > 0 and <= 100)
                return new MemoryBudgetSetting(null, percent, value);
            problem = "a share of the memory limit must be above 0% and at most 100%";
            return null;
        }
        var (number, unit) = Split(value);
        var scale = unit.ToUpperInvariant() switch
        {
            "" or "M" or "MB" or "MIB" => MiB,
            "G" or "GB" or "GIB" => 1024 * MiB,
            _ => 0,
        };
        if (scale > 0 && double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount) && amount > 0)
        {
            if (amount * scale < MaxBytes) return new MemoryBudgetSetting((long)(amount * scale), null, value);
            problem = $"is too large: at most {MaxBytes / (1024 * MiB)} GB (1 PiB)";
            return null;
        }
        problem = "must be a size in MB or GB, or a share of the memory limit";
        return null;
    }

    private static (string Number, string Unit) Split(string value)
    {
        var i = 0;
        while (i < value.Length && (char.IsAsciiDigit(value[i]) || value[i] == '.')) i++;
        return (value[..i], value[i..].Trim());
    }
}
