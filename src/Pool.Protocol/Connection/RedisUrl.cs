using StackExchange.Redis;

namespace Pool.Protocol.Connection;

/// <summary>
/// Turns REDIS_URL into StackExchange.Redis options and into a form that is safe to log.
/// Accepts redis://[user:password@]host[:port][/db], rediss:// (TLS), and a raw
/// StackExchange.Redis configuration string (for Sentinel: "host:26379,serviceName=mymaster").
/// </summary>
public static class RedisUrl
{
    public const string Default = "redis://127.0.0.1:6379";

    public static ConfigurationOptions Parse(string url)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(url);
        if (!url.Contains("://", StringComparison.Ordinal))
        {
            return ConfigurationOptions.Parse(url);
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != "redis" && uri.Scheme != "rediss"))
        {
            throw new FormatException($"REDIS_URL '{Redact(url)}' is not a redis:// or rediss:// URL; use redis://[:password@]host:port[/db]");
        }

        var options = new ConfigurationOptions { Ssl = uri.Scheme == "rediss" };
        options.EndPoints.Add(uri.Host, uri.IsDefaultPort || uri.Port < 0 ? 6379 : uri.Port);
        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            var parts = uri.UserInfo.Split(':', 2);
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

        var path = uri.AbsolutePath.Trim('/');
        if (path.Length > 0)
        {
            if (!int.TryParse(path, out var db) || db < 0)
                throw new FormatException($"REDIS_URL '{Redact(url)}' has database '{path}'; it must be a number such as /0");
            options.DefaultDatabase = db;
        }
        return options;
    }

    /// <summary>The URL with any password replaced by ***, so it can be logged.</summary>
    public static string Redact(string? url)
    {
        if (string.IsNullOrEmpty(url)) return "";
        if (!url.Contains("://", StringComparison.Ordinal))
        {
            // A configuration string: blank out password=... entries.
            return string.Join(',', url.Split(',').Select(p =>
                p.TrimStart().StartsWith("password=", StringComparison.OrdinalIgnoreCase) ? "password=***" : p));
        }
        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal) + 3;
        var at = url.LastIndexOf('@');
        if (at < schemeEnd) return url;
        var userInfo = url[schemeEnd..at];
        var colon = userInfo.IndexOf(':');
        var redacted = colon >= 0 ? userInfo[..(colon + 1)] + "***" : "***";
        return url[..schemeEnd] + redacted + url[at..];
    }
}
