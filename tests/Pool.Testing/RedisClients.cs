using StackExchange.Redis;

namespace Pool.Testing;

/// <summary>What CLIENT LIST says about a process's connections, for tests that must know where a worker waits.</summary>
public static class RedisClients
{
    /// <summary>Whether a client of that name is blocked (flag b), optionally in that command (BLPOP, or a script held by CLIENT PAUSE).</summary>
    public static async Task<bool> IsBlockedAsync(IDatabase db, string clientName, string? command = null)
    {
        var list = (string?)await db.ExecuteAsync("CLIENT", "LIST").ConfigureAwait(false) ?? "";
        return list.Split('\n').Any(line =>
        {
            var fields = line.Split(' ').Select(f => f.Split('=', 2)).Where(kv => kv.Length == 2).ToDictionary(kv => kv[0], kv => kv[1]);
            return fields.GetValueOrDefault("name") == clientName
                && (command is null || fields.GetValueOrDefault("cmd") == command)
                && (fields.GetValueOrDefault("flags") ?? "").Contains('b');
        });
    }
}
