namespace Pool.Testing;

/// <summary>
/// The environment a pool-master under test gets: this Redis, its own namespace, the sample
/// jobs, and none of the variables from the caller's shell that would change which config or
/// environment section it reads. Callers add or override entries.
/// </summary>
public static class PoolEnvironment
{
    public static Dictionary<string, string?> For(string redisUrl, string ns, IDictionary<string, string?>? extra = null)
    {
        var env = new Dictionary<string, string?>
        {
            ["REDIS_URL"] = redisUrl,
            ["POOL_NAMESPACE"] = ns,
            ["POOL_JOBS"] = Artifacts.SamplesDll,
            ["POOL_CONFIG"] = null,
            ["POOL_ENV"] = null,
        };
        if (extra is not null)
            foreach (var (k, v) in extra) env[k] = v;
        return env;
    }
}
