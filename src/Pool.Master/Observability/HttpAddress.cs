using System.Globalization;

namespace Pool.Master.Observability;

/// <summary>
/// Reads --http / POOL_HTTP: "9090" (loopback only), "127.0.0.1:9090", "[::1]:9090", or
/// "0.0.0.0:9090" / "*:9090" for every interface. Loopback is the default because the
/// endpoint has no authentication.
/// </summary>
internal static class HttpAddress
{
    /// <summary>
    /// HttpListener prefixes. HttpListener matches the request's Host header too, so the loopback
    /// default also answers to "localhost", which is what people type into curl.
    /// </summary>
    public static IReadOnlyList<string> ToPrefixes(string value)
    {
        var prefix = ToPrefix(value);
        return prefix.StartsWith("http://127.0.0.1:", StringComparison.Ordinal)
            ? [prefix, prefix.Replace("127.0.0.1", "localhost", StringComparison.Ordinal)]
            : [prefix];
    }

    /// <summary>The main HttpListener prefix, e.g. http://127.0.0.1:9090/.</summary>
    public static string ToPrefix(string value)
    {
        var v = value.Trim();
        string host;
        string port;
        var colon = v.LastIndexOf(':');
        if (colon < 0)
        {
            host = "127.0.0.1";
            port = v;
        }
        else
        {
            host = v[..colon];
            port = v[(colon + 1)..];
        }
        if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var p) || p is < 1 or > 65535)
            throw new FormatException($"--http '{value}' needs a port from 1 to 65535, as PORT or HOST:PORT (e.g. 127.0.0.1:9090)");
        if (host is "" or "*" or "0.0.0.0" or "[::]") host = "+";
        return $"http://{host}:{p}/";
    }
}
