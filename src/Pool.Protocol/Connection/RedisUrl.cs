using StackExchange.Redis;

namespace Pool.Protocol.Connection;

/// <summary>
/// Turns REDIS_URL into StackExchange.Redis options and into a form that is safe to log.
/// Accepts redis://[user:password@]host[:port][/db], rediss:// (TLS),
/// redis+sentinel://[:password@]host:port[,host:port...]/service[/db] (Sentinel), and a raw
/// StackExchange.Redis configuration string (for Sentinel: "host:26379,serviceName=mymaster").
/// Each may carry min_replica_acks (URLs: ?min_replica_acks=N; a raw string: minReplicaAcks=N),
/// which is Pool's and not passed on; see <see cref="ReplicaConfirmation"/>.
/// </summary>
public static partial class RedisUrl
{
    public const string Default = "redis://127.0.0.1:6379";
    private const string SentinelScheme = "redis+sentinel://";
    private const string AcksParameter = "min_replica_acks";
    private const string AcksKeyword = "minReplicaAcks";

    public static ConfigurationOptions Parse(string url) => Parse(url, "REDIS_URL");

    /// <summary>REDIS_URL's value, or <see cref="Default"/> when it is unset or blank (as pool-master takes it).</summary>
    internal static string FromEnvironment(string? value) => string.IsNullOrWhiteSpace(value) ? Default : value;

    /// <summary>As <see cref="Parse(string)"/>; errors name <paramref name="source"/> (REDIS_URL, --redis), where the user gave the URL.</summary>
    public static ConfigurationOptions Parse(string url, string source)
    {
        if (string.IsNullOrWhiteSpace(url))
            throw new FormatException($"{source} is blank; give a redis://[:password@]host:port[/db] URL, or leave it out for {Default}");
        // Not echoed: a line break would make the error two lines, the second perhaps a password.
        if (url.Any(char.IsControl))
            throw new FormatException($"{source} contains a line break or another control character; give it on one line as redis://[:password@]host:port[/db]");
        // "redis//host:6379" or "redis:/host" is a URL with its "://" mistyped; read as a
        // configuration string it failed only at connect, as "cannot reach Redis at redis//...".
        // Not echoed: without its "://" the password in it is not found to be hidden.
        if (!url.Contains("://", StringComparison.Ordinal) && MistypedScheme().IsMatch(url))
            throw new FormatException($"{source} starts like a URL but lacks the '://' after its scheme; write redis://[:password@]host:port[/db]");
        var given = $"{source} '{Redact(url)}'";
        // "redis://:pa?ss@host": the '?' ends the user info for every URL reader, so the client
        // saw no host, and the password showed through as a parameter's name.
        if (url.IndexOf("://", StringComparison.Ordinal) is var scheme and >= 0 && UserInfoHoldsDelimiter(url, scheme + 3))
            throw new FormatException($"{given} has a '/', '?' or '#' in its user name or password; write those characters percent-encoded there (%2F, %3F, %23; an '@' as %40)");
        var (rest, _) = SplitAcks(url, given);
        if (!rest.Contains("://", StringComparison.Ordinal)) return ParseConfiguration(rest, given);
        // A misspelt min_replica_acks was dropped in silence, and with it the safety it asks for.
        if (rest.IndexOf('?') is var query and >= 0)
        {
            var name = rest[(query + 1)..].Split('&')[0].Split('=')[0];
            throw new FormatException(ParameterName().IsMatch(name)
                ? $"{given} has the parameter '{name}', which Pool does not read; the one it reads is {AcksParameter}=N"
                : $"{given} has a parameter Pool does not read; the one it reads is {AcksParameter}=N");
        }
        if (rest.StartsWith(SentinelScheme, StringComparison.OrdinalIgnoreCase)) return ParseSentinel(rest, given);

        if (!Uri.TryCreate(rest, UriKind.Absolute, out var uri) && PortOutOfRange(rest) is { } port)
            throw PortError(given, port);
        if (uri is null || (uri.Scheme != "redis" && uri.Scheme != "rediss"))
        {
            throw new FormatException($"{given} is not a redis://, rediss:// or redis+sentinel:// URL; use redis://[:password@]host:port[/db]");
        }

        if (uri.Host.Length == 0)
            throw new FormatException($"{given} names no host; use redis://[:password@]host:port[/db]");
        // "host:" with no number after the colon: .NET reads it as no port at all, so the client
        // went to 6379, perhaps someone else's Redis, where the user meant another port.
        if (EmptyPort().IsMatch(rest)) throw EmptyPortError(given);
        // Port 0 is no port a server listens on: the client retried it forever.
        if (uri.Port == 0) throw PortError(given, "0");
        var options = new ConfigurationOptions { Ssl = uri.Scheme == "rediss" };
        options.EndPoints.Add(uri.Host, uri.IsDefaultPort || uri.Port < 0 ? 6379 : uri.Port);
        SetCredentials(options, uri.UserInfo);
        var path = uri.AbsolutePath.Trim('/');
        if (path.Length > 0) options.DefaultDatabase = Database(path, given);
        return options;
    }

    /// <summary>A raw StackExchange.Redis configuration string ("host:6379,password=..."), with its errors in one line that names the variable.</summary>
    private static ConfigurationOptions ParseConfiguration(string configuration, string given)
    {
        // Before the client reads it: it refuses 70000 with words of its own, and reads port 0 as
        // "the default port": "127.0.0.1:0" went to 6379, someone else's Redis perhaps, while the
        // idle waits tried port 0.
        if (configuration.Split(',').Select(PortOf).FirstOrDefault(p => p is not null) is { } badPort)
            throw badPort.Length == 0 ? EmptyPortError(given) : PortError(given, badPort);
        ConfigurationOptions plain;
        try
        {
            plain = ConfigurationOptions.Parse(configuration);
        }
        catch (ArgumentException e)
        {
            // The client's own words ("Keyword 'foo' is not supported.") name neither the variable nor the way out.
            var words = e.ParamName is { } keyword ? e.Message.Replace($" (Parameter '{keyword}')", "", StringComparison.Ordinal) : e.Message;
            throw new FormatException($"{given}: {words.Split('\n')[0].TrimEnd('.')}; see StackExchange.Redis's configuration options, or use redis://[:password@]host:port[/db]");
        }
        // ",,," reads as a configuration of no server: the client refused it only when
        // connecting, after the worker's log was gone, and the worker exited 1 in silence.
        if (plain.EndPoints.Count == 0 && string.IsNullOrEmpty(plain.ServiceName))
            throw new FormatException($"{given} names no server; use redis://[:password@]host:port[/db] or host:port");
        return plain;
    }

    /// <summary>The port of a configuration string's "host:port" entry when it is a number outside 1 to 65535 or empty ("host:"), else null.</summary>
    private static string? PortOf(string entry)
    {
        if (entry.Contains('=')) return null;
        var colon = entry.LastIndexOf(':');
        if (colon < 0) return null;
        var port = entry[(colon + 1)..].Trim();
        // "host:" (the client read it as 6379); "[::1]" has no port at all (its last colon is inside the brackets).
        if (port.Length == 0) return "";
        return long.TryParse(port, out var number) && number is < 1 or > 65535 ? port : null;
    }

    private static FormatException PortError(string given, string port, string listener = "Redis listens on 6379") =>
        new($"{given} has port {port}, outside 1 to 65535; {listener} unless told otherwise");

    private static FormatException EmptyPortError(string given, string listener = "Redis listens on 6379") =>
        new($"{given} has an empty port (':' with no number after it); give the port after the colon, or leave out the colon: {listener} unless told otherwise");

    /// <summary>A redis:// or rediss:// URL whose host ends in ':' with no port after it ("redis://host:", "redis://:pw@host:/0").</summary>
    [System.Text.RegularExpressions.GeneratedRegex(@"^rediss?://(?:[^@/]*@)?(?:\[[^\]/]*\]|[^:/\[]+):(?:/|$)", System.Text.RegularExpressions.RegexOptions.IgnoreCase)]
    private static partial System.Text.RegularExpressions.Regex EmptyPort();

    /// <summary>The port of a redis:// URL that .NET refused for its port alone (redis://host:99999), or null.</summary>
    private static string? PortOutOfRange(string url)
    {
        var match = System.Text.RegularExpressions.Regex.Match(url, @"^rediss?://(?:[^@/]*@)?[^:/]+:(\d+)(?:/|$)", System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromMilliseconds(100));
        return match.Success && (!int.TryParse(match.Groups[1].Value, out var port) || port is < 1 or > 65535) ? match.Groups[1].Value : null;
    }

    /// <summary>redis+sentinel://[:password@]host:port[,host:port...]/service[/db]: the sentinels, then the service they watch.</summary>
    private static ConfigurationOptions ParseSentinel(string rest, string given)
    {
        var body = rest[SentinelScheme.Length..];
        var at = body.LastIndexOf('@');
        var userInfo = at >= 0 ? body[..at] : "";
        var segments = body[(at + 1)..].Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length is < 2 or > 3)
            throw new FormatException($"{given} needs sentinels and a service: redis+sentinel://host:26379[,host:26379]/mymaster[/db]");
        var options = new ConfigurationOptions { ServiceName = segments[1] };
        foreach (var sentinel in segments[0].Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = sentinel.LastIndexOf(':');
            if (colon < 0) options.EndPoints.Add(sentinel, 26379);
            else if (colon == sentinel.Length - 1) throw EmptyPortError(given, "Sentinel listens on 26379");
            else if (!int.TryParse(sentinel[(colon + 1)..], out var port)) throw new FormatException($"{given} has a sentinel '{sentinel}' whose port is not a number");
            else if (port is < 1 or > 65535) throw PortError(given, sentinel[(colon + 1)..], "Sentinel listens on 26379");
            else options.EndPoints.Add(sentinel[..colon], port);
        }
        SetCredentials(options, userInfo);
        if (segments.Length == 3) options.DefaultDatabase = Database(segments[2], given);
        return options;
    }

    private static void SetCredentials(ConfigurationOptions options, string userInfo)
    {
        if (userInfo.Length == 0) return;
        var parts = userInfo.Split(':', 2);
        var user = Uri.UnescapeDataString(parts[0]);
        if (parts.Length == 2)
        {
            options.Password = Uri.UnescapeDataString(parts[1]);
            if (user.Length > 0) options.User = user;
        }
        else
        {
            // redis://password@host is what many hosted Redis providers hand out.
            options.Password = user;
        }
    }

    private static int Database(string path, string given) =>
        int.TryParse(path, out var db) && db >= 0
            ? db
            : throw new FormatException($"{given} has database '{path}'; it must be a number such as /0");

    /// <summary>
    /// How many replicas must hold each protocol write: min_replica_acks when the URL gives it,
    /// else 1 when it goes through Sentinel (a failover is expected there) and 0 otherwise.
    /// </summary>
    public static int MinReplicaAcks(string url)
    {
        var (_, explicitAcks) = SplitAcks(url, $"REDIS_URL '{Redact(url)}'");
        return explicitAcks ?? (string.IsNullOrEmpty(Parse(url).ServiceName) ? 0 : 1);
    }

    /// <summary>The URL without Pool's min_replica_acks, and its value when given.</summary>
    private static (string Remainder, int? Acks) SplitAcks(string url, string given)
    {
        var isUrl = url.Contains("://", StringComparison.Ordinal);
        var query = url.IndexOf('?');
        var (head, parts, separator) = isUrl
            ? (query < 0 ? url : url[..query], query < 0 ? [] : url[(query + 1)..].Split('&'), "&")
            : ("", url.Split(','), ",");
        var name = isUrl ? AcksParameter : AcksKeyword;
        int? acks = null;
        var kept = new List<string>();
        foreach (var part in parts)
        {
            var eq = part.IndexOf('=');
            if (eq > 0 && part[..eq].Trim().Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                // Twice is a mistake whichever one was meant; the last one won, in silence.
                if (acks is not null) throw new FormatException($"{given} gives {name} more than once; give it once");
                acks = int.TryParse(part[(eq + 1)..].Trim(), out var n) && n >= 0
                    ? n
                    : throw new FormatException($"{given} has {name}='{part[(eq + 1)..]}'; it must be a whole number, 0 or more");
            }
            else kept.Add(part);
        }
        if (!isUrl) return (string.Join(separator, kept), acks);
        return (kept.Count == 0 ? head : head + "?" + string.Join(separator, kept), acks);
    }


    [System.Text.RegularExpressions.GeneratedRegex(@"^\s*(rediss?|redis\+sentinel)(:/|/)", System.Text.RegularExpressions.RegexOptions.IgnoreCase)]
    private static partial System.Text.RegularExpressions.Regex MistypedScheme();
}
