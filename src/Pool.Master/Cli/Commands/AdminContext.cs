using System.CommandLine;
using Pool.Protocol.Admin;
using Pool.Protocol.Connection;
using Pool.Protocol.Keys;
using StackExchange.Redis;
using Pool.Master.Config;

namespace Pool.Master.Cli.Commands;

/// <summary>
/// What every admin command shares: --redis, --namespace and --json, a fail-fast connection,
/// and one-line errors. A command never prints a stack trace or a password: an unreachable
/// Redis, a timeout or a bad argument is one line on stderr and exit code 1.
/// </summary>
internal sealed class AdminContext(IDatabase db, ResqueKeys keys, bool json, string redisUrl)
{
    public static readonly Option<string?> RedisOption = new("--redis")
    { Description = "Redis URL [env: REDIS_URL; default: " + Protocol.Connection.RedisUrl.Default + "]" };

    public static readonly Option<string?> NamespaceOption = new("--namespace")
    { Description = "Redis key namespace [env: POOL_NAMESPACE; default: resque]" };

    public static readonly Option<bool> JsonOption = new("--json")
    { Description = "print JSON instead of text" };

    public IDatabase Db { get; } = db;
    public ResqueKeys Keys { get; } = keys;
    public bool Json { get; } = json;
    public string RedisUrl { get; } = redisUrl;

    /// <summary>Adds the connection options (and --json for read commands) to <paramref name="command"/>.</summary>
    public static Command WithOptions(Command command, bool json = true)
    {
        command.Options.Add(RedisOption);
        command.Options.Add(NamespaceOption);
        if (json) command.Options.Add(JsonOption);
        return command;
    }

    public static async Task<int> RunAsync(ParseResult result, string name, Func<AdminContext, Task<int>> body)
    {
        var env = SettingsResolver.ProcessEnvironment();
        var url = SettingsResolver.ResolveRedisUrl(result.GetValue(RedisOption), env);
        var ns = result.GetValue(NamespaceOption) ?? SettingsResolver.ResolveNamespace(env);
        try
        {
            _ = SettingsResolver.ResolveCheckedRedisUrl(result.GetValue(RedisOption), env);
            await using var redis = await AdminConnection.ConnectAsync(url).ConfigureAwait(false);
            var json = result.CommandResult.Command.Options.Contains(JsonOption) && result.GetValue(JsonOption);
            return await body(new AdminContext(redis.GetDatabase(), new ResqueKeys(ns), json, url)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisUnreachableException or FormatException or ArgumentException)
        {
            return Fail(name, e.Message);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // RedisServerException, RedisTimeoutException, a connection lost mid-command.
            return Fail(name, $"Redis at {Protocol.Connection.RedisUrl.Redact(url)} failed: {FirstLine(e.Message)}");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // RedisCommandException (a database number the server does not have) is not a
            // RedisException; neither it nor anything else may end a command with a stack trace.
            return Fail(name, $"Redis at {Protocol.Connection.RedisUrl.Redact(url)} refused the command ({e.GetType().Name}): {FirstLine(e.Message)}");
        }
    }

    public static int Fail(string name, string message)
    {
        Console.Error.WriteLine($"pool-master {name}: {message}");
        return 1;
    }

    private static string FirstLine(string s) => s.Split('\n')[0].Trim();
}
