using StackExchange.Redis;

namespace Pool.Protocol.Scripts;

/// <summary>
/// Runs a script by EVALSHA and falls back to EVAL when Redis does not know it (first use, or
/// after a restart or SCRIPT FLUSH). EVAL also caches it, so the next call is EVALSHA again.
/// </summary>
internal static class ScriptRunner
{
    public static async Task<RedisResult> RunAsync(IDatabaseAsync db, LuaScriptText script, RedisValue[] argv)
    {
        try
        {
            return await db.ScriptEvaluateAsync(script.Sha1Bytes, keys: null, values: argv).ConfigureAwait(false);
        }
        catch (RedisServerException e) when (e.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal))
        {
            return await db.ScriptEvaluateAsync(script.Source, keys: null, values: argv).ConfigureAwait(false);
        }
    }
}
