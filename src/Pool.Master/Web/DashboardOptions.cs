using System.Net;
using System.Text;
using Pool.Master.Observability;

namespace Pool.Master.Web;

internal enum DashboardAuth { None, Token, Basic }

/// <summary>
/// How the dashboard is exposed. Secrets never come from the command line (it shows in ps):
/// `--auth token` reads POOL_WEB_TOKEN, `--auth basic` reads POOL_WEB_CREDENTIALS ("user:password").
/// Without auth the dashboard binds loopback only.
/// </summary>
/// <param name="LocalMasterPid">The pid of the master this dashboard runs inside, whose signal buttons it may show; null for `pool-master web`.</param>
internal sealed record DashboardOptions(
    string RedisUrl, string Namespace, DashboardAuth Auth, string? Secret, bool ReadOnly, string PathBase, int? LocalMasterPid)
{
    /// <summary>The recurring schedule the Recurring page shows and runs; null when this dashboard knows none.</summary>
    public RecurringSource? Recurring { get; init; }

    public const string AuthEnv = "POOL_WEB_AUTH";
    public const string TokenEnv = "POOL_WEB_TOKEN";
    public const string CredentialsEnv = "POOL_WEB_CREDENTIALS";
    public const string ReadOnlyEnv = "POOL_WEB_READ_ONLY";
    public const string PathBaseEnv = "POOL_WEB_PATH_BASE";

    /// <exception cref="FormatException">An unknown auth mode, a missing secret, or a bad path base; the message says which variable to set.</exception>
    public static DashboardOptions Resolve(string redisUrl, string ns, string? auth, bool? readOnly, string? pathBase,
        IReadOnlyDictionary<string, string?> env, int? localMasterPid)
    {
        // Named as the user set it: `pool-master run` has no --auth flag, only the variable.
        var fromFlag = auth is not null;
        string Setting(string mode) => fromFlag ? $"--auth {mode}" : $"{AuthEnv}={mode}";
        auth ??= Get(env, AuthEnv);
        var mode = (auth ?? "none").Trim().ToLowerInvariant() switch
        {
            "" or "none" or "off" => DashboardAuth.None,
            "token" => DashboardAuth.Token,
            "basic" => DashboardAuth.Basic,
            _ => throw new FormatException($"{(fromFlag ? "--auth" : AuthEnv)} '{auth}' is not none, token or basic"),
        };
        string? secret = null;
        if (mode == DashboardAuth.Token)
            secret = Get(env, TokenEnv) ?? throw new FormatException($"{Setting("token")} needs the token in {TokenEnv}");
        if (mode == DashboardAuth.Basic)
        {
            secret = Get(env, CredentialsEnv) ?? throw new FormatException($"{Setting("basic")} needs user:password in {CredentialsEnv}");
            if (!secret.Contains(':', StringComparison.Ordinal) || secret.StartsWith(':'))
                throw new FormatException($"{CredentialsEnv} must be user:password");
        }
        // A value it does not know is refused: read as "no", POOL_WEB_READ_ONLY=on served a
        // dashboard that retries, removes and pauses, where the user asked for one that cannot.
        var ro = readOnly ?? Get(env, ReadOnlyEnv)?.Trim().ToLowerInvariant() switch
        {
            null or "" or "0" or "false" or "no" or "off" => false,
            "1" or "true" or "yes" or "on" => true,
            _ => throw new FormatException($"{ReadOnlyEnv}='{Get(env, ReadOnlyEnv)}' must be 1 (read-only) or 0; true/false, yes/no and on/off are read too"),
        };
        var basePath = (pathBase ?? Get(env, PathBaseEnv) ?? "").TrimEnd('/');
        if (basePath.Length > 0 && (!basePath.StartsWith('/') || basePath.Contains("//", StringComparison.Ordinal)))
            throw new FormatException($"the path base '{basePath}' must start with / (e.g. /pool)");
        return new DashboardOptions(redisUrl, ns, mode, secret, ro, basePath, localMasterPid);
    }

    /// <summary>Why this address may not be served as configured, or null when it may.</summary>
    public string? RefusalFor(HttpAddress address) =>
        Auth == DashboardAuth.None && !IsLoopback(address)
            ? LocalMasterPid is null
                ? $"the dashboard has no authentication, so it binds loopback only; {address} is not loopback: set --auth token ({TokenEnv}) or --auth basic ({CredentialsEnv}), or bind 127.0.0.1 behind a reverse proxy"
                : $"the dashboard has no authentication, so it is served on loopback only; {address} is not loopback: set {AuthEnv}=token (the token in {TokenEnv}) or {AuthEnv}=basic (user:password in {CredentialsEnv}), or bind 127.0.0.1 behind a reverse proxy"
            : null;

    public static bool IsLoopback(HttpAddress address) => address.Host is null || IPAddress.IsLoopback(address.Host);

    /// <summary>The realm line browsers show for Basic auth.</summary>
    public static readonly string Realm = "Basic realm=\"pool\", charset=\"UTF-8\"";

    public byte[] SecretBytes => Encoding.UTF8.GetBytes(Secret ?? "");

    private static string? Get(IReadOnlyDictionary<string, string?> env, string name) =>
        env.TryGetValue(name, out var v) && !string.IsNullOrWhiteSpace(v) ? v : null;
}

/// <summary>Where the dashboard's recurring entries come from: read on every request, so a master's HUP shows at once.</summary>
/// <param name="Entries">The entries now; null when there are none to know (the master's scheduler is off).</param>
/// <param name="Origin">Said on the page: which file or master they are from.</param>
internal sealed record RecurringSource(Func<IReadOnlyList<Config.ScheduleEntry>?> Entries, string Origin);
