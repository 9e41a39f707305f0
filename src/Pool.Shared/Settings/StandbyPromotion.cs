using System.Globalization;

namespace Pool.Settings;

/// <summary>
/// The one line pool-master writes to a standby worker's stdin to put it in a slot ("slot 3"),
/// and its reading in the worker: one home, so the writer and the reader cannot drift apart.
/// </summary>
internal static class StandbyPromotion
{
    private const string Prefix = "slot ";

    public static string Line(int slot) => Prefix + slot.ToString(CultureInfo.InvariantCulture);

    /// <summary>The slot, or null for anything but "slot N" (end of input included).</summary>
    public static int? Parse(string? line) =>
        line is not null && line.StartsWith(Prefix, StringComparison.Ordinal)
        && int.TryParse(line.AsSpan(Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var slot)
            ? slot
            : null;
}
