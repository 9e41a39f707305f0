using Pool.Protocol.Connection;
using StackExchange.Redis;

namespace Pool.Protocol.Scripts;

/// <summary>
/// Runs a script by EVALSHA and falls back to EVAL when Redis does not know it (first use, or
/// after a restart or SCRIPT FLUSH). EVAL also caches it, so the next call is EVALSHA again.
/// </summary>
internal static class ScriptRunner
{
    public static Task<RedisResult> RunAsync(IDatabaseAsync db, LuaScriptText script, RedisValue[] argv) =>
        RunAsync(db, script, argv, behind: null);

    /// <summary>
    /// The same, with <paramref name="behind"/> sent right after the script on the same connection
    /// before either reply is awaited (one round trip for both), and awaited after the script's.
    /// After a NOSCRIPT it is sent again behind the EVAL, since its first run came before the script did.
    /// </summary>
    public static async Task<RedisResult> RunAsync(IDatabaseAsync db, LuaScriptText script, RedisValue[] argv, Func<Task>? behind)
    {
        var run = db.ScriptEvaluateAsync(script.Sha1Bytes, keys: null, values: argv);
        var after = behind?.Invoke();
        try
        {
            var result = await run.ConfigureAwait(false);
            if (after is not null) await after.ConfigureAwait(false);
            return result;
        }
        catch (RedisServerException e) when (e.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal))
        {
            after.ObserveFault();
            var result = await db.ScriptEvaluateAsync(script.Source, keys: null, values: argv).ConfigureAwait(false);
            if (behind is not null) await behind().ConfigureAwait(false);
            return result;
        }
        finally
        {
            // When the script failed, nothing awaits the command behind it: observe its fault.
            if (run.IsFaulted) after.ObserveFault();
        }
    }
}
