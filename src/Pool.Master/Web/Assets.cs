using System.Collections.Frozen;
using Microsoft.AspNetCore.Http;

namespace Pool.Master.Web;

/// <summary>The dashboard's CSS and script, embedded in the assembly: no CDN, no build step, nothing on disk.</summary>
internal static class Assets
{
    private static readonly FrozenDictionary<string, (byte[] Body, string Type)> Files = Load();

    private static FrozenDictionary<string, (byte[] Body, string Type)> Load()
    {
        var assembly = typeof(Assets).Assembly;
        var files = new Dictionary<string, (byte[], string)>(StringComparer.Ordinal);
        foreach (var (name, type) in new[] { ("dashboard.css", "text/css; charset=utf-8"), ("dashboard.js", "text/javascript; charset=utf-8"), ("favicon.svg", "image/svg+xml") })
        {
            using var stream = assembly.GetManifestResourceStream("Pool.Master.Web.Assets." + name)
                ?? throw new InvalidOperationException($"the embedded asset {name} is missing from the build");
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            files[name] = (buffer.ToArray(), type);
        }
        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }

    public static async Task ServeAsync(HttpContext context, string file)
    {
        if (!Files.TryGetValue(file, out var asset))
        {
            context.Response.StatusCode = 404;
            return;
        }
        context.Response.ContentType = asset.Type;
        context.Response.Headers.CacheControl = "public, max-age=300";
        context.Response.ContentLength = asset.Body.Length;
        await context.Response.Body.WriteAsync(asset.Body, context.RequestAborted).ConfigureAwait(false);
    }
}
