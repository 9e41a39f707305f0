using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;

namespace Pool.Master.Observability;

/// <summary>
/// /metrics: the instruments of <see cref="PoolMeter"/> and the scheduler's (SchedulerMetrics) in
/// Prometheus text (or OpenMetrics, when the scraper asks for it), written by OpenTelemetry's
/// Prometheus exporter from a meter provider that listens to Pool's meters alone (no runtime or
/// ASP.NET Core meters in an idle master).
/// </summary>
internal sealed class MetricsExporter : IDisposable
{
    private readonly PoolMeter _meter;
    private readonly MeterProvider _provider;

    public MetricsExporter(MetricsSource source)
    {
        _meter = new PoolMeter(source);
        _provider = Sdk.CreateMeterProviderBuilder()
            .AddMeter(PoolMeter.Name, Scheduling.SchedulerMetrics.Name)
            .AddPrometheusExporter(options =>
            {
                // Every scrape reads the values of that moment, as before the move to OpenTelemetry.
                options.ScrapeResponseCacheDurationMilliseconds = 0;
                // Pool's series keep their labels: no otel_scope_* labels and no target_info series.
                options.ScopeInfoEnabled = false;
                options.TargetInfoEnabled = false;
            })
            .Build();
    }

    /// <summary>Serves the requests that <paramref name="isScrape"/> picks, after <paramref name="beforeScrape"/>.</summary>
    public void Map(IApplicationBuilder app, Func<HttpContext, bool> isScrape, Func<Task> beforeScrape) =>
        app.UseOpenTelemetryPrometheusScrapingEndpoint(
            meterProvider: _provider,
            predicate: isScrape,
            path: null,
            configureBranchedPipeline: branch => branch.Use(async (context, next) =>
            {
                await beforeScrape().ConfigureAwait(false);
                await next(context).ConfigureAwait(false);
            }),
            optionsName: null);

    public void Dispose()
    {
        _provider.Dispose();
        _meter.Dispose();
    }
}

internal static class ProcessMemory
{
    public static long? RssBytes(int pid) => global::Pool.Processes.ProcStatus.ResidentMb(pid) is { } mb ? (long)(mb * 1024 * 1024) : null;
}
