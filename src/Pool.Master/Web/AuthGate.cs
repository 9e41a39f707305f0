using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Pool.Master.Web;

/// <summary>
/// Checks the Authorization header when auth is on. Token mode takes "Bearer TOKEN" (curl, a
/// proxy) or Basic with the token as password and any user name (so a browser can log in);
/// basic mode takes the configured user:password. Compared in constant time.
/// </summary>
internal sealed class AuthGate(DashboardOptions options)
{
    public bool Allows(HttpRequest request)
    {
        if (options.Auth == DashboardAuth.None) return true;
        var header = request.Headers.Authorization.ToString();
        if (options.Auth == DashboardAuth.Token && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return SameSecret(header["Bearer ".Length..].Trim());
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase)) return false;
        string pair;
        try
        {
            pair = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..].Trim()));
        }
        catch (FormatException)
        {
            return false;
        }
        if (options.Auth == DashboardAuth.Basic) return SameSecret(pair);
        var colon = pair.IndexOf(':', StringComparison.Ordinal);
        return colon >= 0 && SameSecret(pair[(colon + 1)..]);
    }

    private bool SameSecret(string given) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), SHA256.HashData(options.SecretBytes));

    public async Task ChallengeAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = DashboardOptions.Realm;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync("authentication required\n").ConfigureAwait(false);
    }
}
