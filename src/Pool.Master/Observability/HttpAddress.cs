using System.Globalization;
using System.Net;

namespace Pool.Master.Observability;

/// <summary>
/// Reads --http / POOL_HTTP: "9090" (loopback only), "127.0.0.1:9090", "[::1]:9090",
/// "localhost:9090", or "0.0.0.0:9090" / "*:9090" / "[::]:9090" for every interface. Loopback is
/// the default because the endpoint has no authentication.
/// </summary>
/// <param name="Host">An IP address to bind, or null for "localhost" (both loopbacks).</param>
internal sealed record HttpAddress(IPAddress? Host, int Port)
{
    /// <summary>Binds every interface: /status then shows job arguments to the whole network.</summary>
    public bool IsWildcard => Host is not null && (Host.Equals(IPAddress.Any) || Host.Equals(IPAddress.IPv6Any));

    public static HttpAddress Parse(string value)
    {
        var v = value.Trim();
        var colon = v.LastIndexOf(':');
        var host = colon < 0 ? "127.0.0.1" : v[..colon];
        var port = colon < 0 ? v : v[(colon + 1)..];
        if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var p) || p is < 1 or > 65535)
            throw new FormatException($"--http '{value}' needs a port from 1 to 65535, as PORT or HOST:PORT (e.g. 127.0.0.1:9090)");
        if (host is "" or "*" or "+" or "0.0.0.0") return new HttpAddress(IPAddress.Any, p);
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase)) return new HttpAddress(null, p);
        if (IPAddress.TryParse(host.Trim('[', ']'), out var ip)) return new HttpAddress(ip, p);
        throw new FormatException($"--http '{value}': the host must be an IP address, localhost, * or 0.0.0.0, not '{host}'");
    }

    public override string ToString()
    {
        var port = Port.ToString(CultureInfo.InvariantCulture);
        return Host switch
        {
            null => $"http://localhost:{port}/",
            { AddressFamily: System.Net.Sockets.AddressFamily.InterNetworkV6 } => $"http://[{Host}]:{port}/",
            _ => $"http://{Host}:{port}/",
        };
    }
}
