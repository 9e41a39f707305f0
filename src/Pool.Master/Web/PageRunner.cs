using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Pool.Master.Stores;
using StackExchange.Redis;

namespace Pool.Master.Web;

/// <summary>Reads a page's data within the Redis budget and renders it in the layout; changes go through <see cref="ActAsync"/>.</summary>
internal sealed class PageRunner(Layout layout, DashboardRedis redis, IAntiforgery antiforgery, Serilog.ILogger log)
{
    public Layout Layout => layout;

    public DashboardRedis Redis => redis;

    /// <summary>A page whose body needs Redis: on a dead or slow Redis the page still comes, with a banner, status 503, in about a second.</summary>
    public async Task PageAsync(HttpContext context, string title, string tab, Func<IDatabase, HttpContext, Task<RawHtml>> body)
    {
        string? down = null;
        var content = RawHtml.Empty;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        if (await redis.DatabaseAsync(context.RequestAborted).ConfigureAwait(false) is not { } db) down = "not connected";
        else
        {
            try
            {
                // One budget for the connect wait and the reads together.
                var left = DashboardRedis.Budget - clock.Elapsed;
                content = await body(db, context).WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero, context.RequestAborted).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                down = $"no answer within {DashboardRedis.Budget.TotalMilliseconds} ms";
            }
            catch (RedisServerException e)
            {
                // Redis answered, with an error (a stray key of another type, a script error):
                // not "Redis is not answering", which sent readers to look at a healthy server.
                log.Warning("dashboard page {Path:l}: Redis answered with an error: {Error:l}", context.Request.Path.Value, e.Message);
                await WriteHtmlAsync(context, 500, layout.Render(context, title, tab, RawHtml.Empty, null, redis.RedactedUrl, $"Redis answered this page's reads with an error ({e.Message.Split('\n')[0]}); the log has the details")).ConfigureAwait(false);
                return;
            }
            catch (RedisException e)
            {
                // The type, not the message: messages can carry endpoints and internals.
                down = e.GetType().Name;
            }
            catch (InvalidOperationException e) when (RedisClientFault.Is(e))
            {
                down = "the connection was dropped";
            }
            catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
            {
                // StackExchange.Redis cancels what it had sent when it drops a connection that stopped answering.
                down = "the connection was dropped";
            }
            catch (Exception e) when (e is not (OutOfMemoryException or OperationCanceledException))
            {
                // A bug of ours or data we cannot read: the page says so and the dashboard goes on.
                log.Warning("dashboard page {Path} failed: {Error}", context.Request.Path.Value, e.GetType().Name + ": " + e.Message);
                await WriteHtmlAsync(context, 500, layout.Render(context, title, tab, RawHtml.Empty, null, redis.RedactedUrl, $"this page failed ({e.GetType().Name}); the log has the details")).ConfigureAwait(false);
                return;
            }
        }
        await WriteHtmlAsync(context, down is null ? 200 : 503, layout.Render(context, title, tab, content, down, redis.RedactedUrl)).ConfigureAwait(false);
    }

    /// <summary>
    /// A POST that changes something: refused in read-only mode, from another site, or without a
    /// valid anti-forgery token; otherwise runs within the Redis budget and redirects back (303)
    /// with what it did.
    /// </summary>
    public async Task ActAsync(HttpContext context, string defaultBack, Func<IDatabase, IFormCollection, Task<string>> act)
    {
        if (layout.Options.ReadOnly)
        {
            await WriteTextAsync(context, 403, "read-only: this dashboard refuses every change\n").ConfigureAwait(false);
            return;
        }
        if (!SameOrigin(context.Request))
        {
            await WriteTextAsync(context, 403, "cross-site request refused\n").ConfigureAwait(false);
            return;
        }
        try
        {
            await antiforgery.ValidateRequestAsync(context).ConfigureAwait(false);
        }
        catch (AntiforgeryValidationException)
        {
            await WriteTextAsync(context, 400, "the form is stale or forged (anti-forgery check failed); reload the page and try again\n").ConfigureAwait(false);
            return;
        }
        var form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
        string message;
        if (await redis.DatabaseAsync(context.RequestAborted).ConfigureAwait(false) is not { } db) message = "Redis is not answering; nothing was changed";
        else
        {
            try
            {
                message = await act(db, form).WaitAsync(DashboardRedis.Budget + DashboardRedis.Budget, context.RequestAborted).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                message = "Redis did not answer in time; the change may or may not have been made: check before trying again";
            }
            catch (RedisException e)
            {
                message = $"Redis refused the change ({e.GetType().Name})";
            }
            catch (Exception e) when (e is OperationCanceledException && !context.RequestAborted.IsCancellationRequested || RedisClientFault.Is(e))
            {
                message = "Redis dropped the connection; the change may or may not have been made: check before trying again";
            }
            catch (ArgumentException e)
            {
                message = e.Message;
            }
        }
        var back = form["back"].ToString();
        if (!IsLocalPath(back)) back = defaultBack;
        var separator = back.Contains('?', StringComparison.Ordinal) ? '&' : '?';
        context.Response.StatusCode = StatusCodes.Status303SeeOther;
        context.Response.Headers.Location = context.Request.PathBase + back + separator + "msg=" + Uri.EscapeDataString(message);
    }

    /// <summary>This page's path and query without the last action's message, for a form's "back" field.</summary>
    public static string BackTo(HttpContext context)
    {
        var query = context.Request.Query.Where(q => q.Key != "msg")
            .SelectMany(q => q.Value.Select(v => Uri.EscapeDataString(q.Key) + "=" + Uri.EscapeDataString(v ?? "")));
        var text = string.Join('&', query);
        return context.Request.Path + (text.Length > 0 ? "?" + text : "");
    }

    /// <summary>A path on this site ("/failed?x=1"), never "//host" or "/\host", which browsers treat as another site.</summary>
    public static bool IsLocalPath(string path) =>
        path.StartsWith('/') && !path.StartsWith("//", StringComparison.Ordinal) && !path.StartsWith("/\\", StringComparison.Ordinal);

    /// <summary>Browsers send Origin (and Sec-Fetch-Site) on POSTs; a value naming another site is refused before the token is even checked.</summary>
    private static bool SameOrigin(HttpRequest request)
    {
        if (request.Headers["Sec-Fetch-Site"].ToString() is "cross-site" or "same-site") return false;
        var origin = request.Headers.Origin.ToString();
        // No Origin: an old browser or curl; the anti-forgery token still has to match. "null" (a sandboxed frame, a file) is refused.
        if (origin.Length == 0) return true;
        return Uri.TryCreate(origin, UriKind.Absolute, out var o)
            && string.Equals(o.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase);
    }

    public static async Task WriteHtmlAsync(HttpContext context, int status, string html)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/html; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.WriteAsync(html, context.RequestAborted).ConfigureAwait(false);
    }

    public static async Task WriteTextAsync(HttpContext context, int status, string text)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(text, context.RequestAborted).ConfigureAwait(false);
    }
}
