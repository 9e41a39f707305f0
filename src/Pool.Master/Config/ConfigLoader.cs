namespace Pool.Master.Config;

/// <summary>STUB: loads pool.yml. Replaced by the real loader.</summary>
public static class ConfigLoader
{
    public static PoolConfig Load(string path, string? environment, IReadOnlyDictionary<string, string?> env) =>
        throw new ConfigException(path, null, null, "not implemented yet");
}
