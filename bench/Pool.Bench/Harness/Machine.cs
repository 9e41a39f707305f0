namespace Pool.Bench.Harness;

/// <summary>What the figures were measured on, for the --json file.</summary>
public static class Machine
{
    public static IReadOnlyDictionary<string, string> Describe() => new Dictionary<string, string>
    {
        ["cores"] = Environment.ProcessorCount.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["os"] = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
        ["dotnet"] = Environment.Version.ToString(),
        ["cpu"] = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown",
    };
}
