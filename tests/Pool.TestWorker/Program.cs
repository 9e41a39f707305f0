using System.Diagnostics;
using System.Runtime.InteropServices;
using Pool.TestWorker;

// pool-test-worker MODE: a stand-in worker for the master's tests. It never talks to Redis.
// The mode comes from the first argument or POOL_TEST_MODE. Every event is one line on stdout
// ("test-worker PID EVENT ...") and, when POOL_TEST_LOG is set, appended to that file too.
var mode = args.Length > 0 ? args[0] : Environment.GetEnvironmentVariable("POOL_TEST_MODE") ?? "well-behaved";
var report = new Report();
var stop = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);

// TERM, INT and QUIT end the well-behaved modes; "ignore-term" and "forever" only report them.
var ignoresStops = mode is "ignore-term" or "forever";
using var signals = TestSignals.Listen(name =>
{
    report.Line("signal " + name);
    if (!ignoresStops && name is "TERM" or "INT" or "QUIT") stop.TrySetResult(name);
});

MasterGuard.Start(report);

switch (mode)
{
    case "crash-at-start":
        report.Line("start then crash");
        return 1;
    case "crash-while-file":
        // Crashes at start while the file named by POOL_TEST_CRASH_FILE exists, then behaves.
        if (File.Exists(Environment.GetEnvironmentVariable("POOL_TEST_CRASH_FILE") ?? "")) goto case "crash-at-start";
        break;
    case "grandchild":
        // An orphan in its own group: when this process exits, it is re-parented to the nearest
        // subreaper or PID 1, which is what the PID-1 test watches.
        using (var sleeper = Process.Start(new ProcessStartInfo("/usr/bin/setsid", ["sleep", "1000"]) { UseShellExecute = false }))
        {
            report.Line($"grandchild {sleeper!.Id}");
        }
        return 0;
    case "hog":
        Hog.Allocate(int.Parse(Environment.GetEnvironmentVariable("POOL_TEST_HOG_MB") ?? "100", System.Globalization.CultureInfo.InvariantCulture));
        break;
    case "well-behaved" or "ignore-term" or "forever":
        break;
    default:
        Console.Error.WriteLine($"pool-test-worker: unknown mode '{mode}'; use well-behaved, ignore-term, crash-at-start, grandchild, forever or hog");
        return 2;
}

report.Ready(mode);
if (mode == "forever")
{
    // Busy-ish: wake often, so a SIGKILL is the only thing that ends it.
    while (true) Thread.Sleep(50);
}
var why = await stop.Task.ConfigureAwait(false);
report.Line("exiting on " + why);
return 0;
