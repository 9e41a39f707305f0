using System.CommandLine;
using System.Diagnostics;
using Pool.Bench;
using Pool.Bench.Harness;
using Pool.Testing;

var jsonOption = new Option<string?>("--json") { Description = "also write the figures to this file, with stable names" };
var runsOption = new Option<int>("--runs") { Description = "runs of each scenario; the median is reported", DefaultValueFactory = _ => 3 };
var onlyOption = new Option<string[]>("--only") { Description = "run only these scenario ids", AllowMultipleArgumentsPerToken = true };
var compareOption = new Option<string[]>("--compare") { Description = "peers to measure in the same run: sidekiq", AllowMultipleArgumentsPerToken = true };
var jobsOption = new Option<int>("--jobs") { Description = "jobs in the throughput scenario", DefaultValueFactory = _ => 20_000 };
var durationOption = new Option<double>("--duration") { Description = "seconds the chaos scenario runs", DefaultValueFactory = _ => 120 };
var noPublishOption = new Option<bool>("--no-publish") { Description = "do not run scripts/publish.sh first" };

var root = new RootCommand("Pool's benchmark: prints figures, asserts nothing")
{
    jsonOption, runsOption, onlyOption, compareOption, jobsOption, durationOption, noPublishOption,
};
root.SetAction(async (result, ct) =>
{
    if (!result.GetValue(noPublishOption)) Publish();

    using var redis = RedisServer.Start();
    using var context = new BenchContext(redis)
    {
        Jobs = result.GetValue(jobsOption),
        Duration = TimeSpan.FromSeconds(result.GetValue(durationOption)),
    };
    var scenarios = Catalog.Select(result.GetValue(onlyOption) ?? [], result.GetValue(compareOption) ?? []);
    var summaries = await Runner.RunAsync(scenarios, context, Math.Max(1, result.GetValue(runsOption)), ct);
    summaries.AddRange(Catalog.Ratios(summaries));

    Console.WriteLine(Report.Table(summaries));
    if (result.GetValue(jsonOption) is { } json)
    {
        Report.WriteJson(json, summaries, Machine.Describe());
        Console.Error.WriteLine($"[bench] wrote {json}");
    }
    return 0;
});
return await root.Parse(args).InvokeAsync();

static void Publish()
{
    var script = Path.Combine(Artifacts.RepoRoot, "scripts", "publish.sh");
    using var publish = Process.Start(new ProcessStartInfo("bash", [script]) { WorkingDirectory = Artifacts.RepoRoot })!;
    publish.WaitForExit();
    if (publish.ExitCode != 0) throw new InvalidOperationException("scripts/publish.sh failed");
}
