using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Pool.Master.Observability;
using Pool.Master.Web;
using Pool.Testing;

namespace Pool.Master.Tests.Web;

/// <summary>
/// The dashboard in the test process on a free loopback port, mounted as `pool-master web`
/// mounts it, against a real Redis; plus an HttpClient that keeps cookies (the anti-forgery one).
/// </summary>
internal sealed partial class DashboardHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Dashboard _dashboard;

    private DashboardHost(WebApplication app, Dashboard dashboard, int port)
    {
        _app = app;
        _dashboard = dashboard;
        BaseUrl = $"http://127.0.0.1:{port}";
    }

    public string BaseUrl { get; }

    public static async Task<DashboardHost> StartAsync(string redisUrl, string ns, IDictionary<string, string?>? env = null, int? localMasterPid = null,
        IReadOnlyList<global::Pool.Master.Config.ScheduleEntry>? schedule = null)
    {
        var port = RedisServer.FreePort();
        var options = DashboardOptions.Resolve(redisUrl, ns, null, null, null,
            (env ?? new Dictionary<string, string?>()).ToDictionary(), localMasterPid) with
        {
            Recurring = schedule is null ? null : new RecurringSource(() => schedule, "the test's schedule"),
        };
        var app = MasterHttpServer.Build(HttpAddress.Parse($"127.0.0.1:{port}"));
        var log = new LogCapture();
        var dashboard = Dashboard.Mount(app, options, log.Logger);
        ((IApplicationBuilder)app).Run(async c => { c.Response.StatusCode = 404; await Task.CompletedTask; });
        await app.StartAsync();
        return new DashboardHost(app, dashboard, port) { Log = log };
    }

    /// <summary>What the dashboard logged (a page that failed says why here).</summary>
    public LogCapture Log { get; private init; } = new();

    public HttpClient Client(bool redirects = false) =>
        new(new HttpClientHandler { CookieContainer = new CookieContainer(), UseCookies = true, AllowAutoRedirect = redirects })
        {
            BaseAddress = new Uri(BaseUrl + "/"),
            Timeout = TimeSpan.FromSeconds(10),
        };

    /// <summary>
    /// A page's HTML once it answers 200. A page whose Redis reads miss their 900 ms budget
    /// answers 503 with the banner, as designed; under a loaded suite that can happen to the
    /// shared Redis, so ask again for a while.
    /// </summary>
    public static async Task<HttpResponseMessage> OkAsync(HttpClient client, string page)
    {
        HttpResponseMessage? response = null;
        await Wait.UntilAsync(async () =>
        {
            response?.Dispose();
            response = await client.GetAsync(page);
            return response.StatusCode != HttpStatusCode.ServiceUnavailable;
        }, TimeSpan.FromSeconds(15), $"{page} to answer without the Redis banner");
        return response!;
    }

    public static async Task<string> PageAsync(HttpClient client, string page)
    {
        using var response = await OkAsync(client, page);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>The anti-forgery field's value on a page (GETting it also sets the cookie in <paramref name="client"/>).</summary>
    public static async Task<string> TokenAsync(HttpClient client, string page)
    {
        var html = await PageAsync(client, page);
        var m = TokenField().Match(html);
        Assert.True(m.Success, $"no anti-forgery field on {page}");
        return WebUtility.HtmlDecode(m.Groups[1].Value);
    }

    [GeneratedRegex("name=\"_af\" value=\"([^\"]+)\"")]
    private static partial Regex TokenField();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _dashboard.DisposeAsync();
    }
}
