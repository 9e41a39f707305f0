using System.Globalization;

namespace Pool.TestWorker;

/// <summary>Writes the worker's event lines to stdout and, if POOL_TEST_LOG is set, appends them to that file.</summary>
internal sealed class Report
{
    private static readonly string[] EnvOfInterest =
        ["QUEUES", "POOL_WORKER_SLOT", "TERM_CHILD", "TERM_TIMEOUT", "POOL_MASTER_PID", "POOL_MAX_JOBS", "POOL_NAMESPACE"];

    private readonly string? _logPath = Environment.GetEnvironmentVariable("POOL_TEST_LOG");
    private readonly Lock _gate = new();
    private readonly int _pid = Environment.ProcessId;

    public void Line(string text)
    {
        var line = string.Create(CultureInfo.InvariantCulture, $"test-worker {_pid} {text}");
        lock (_gate)
        {
            Console.Out.WriteLine(line);
            Console.Out.Flush();
            // O_APPEND writes of one short line do not interleave between workers sharing the file.
            if (_logPath is not null) File.AppendAllText(_logPath, line + "\n");
        }
    }

    public void Ready(string mode)
    {
        var env = string.Join(' ', EnvOfInterest
            .Select(n => (n, v: Environment.GetEnvironmentVariable(n)))
            .Where(p => p.v is not null)
            .Select(p => $"{p.n}={p.v}"));
        Line($"READY mode={mode} {env}");
    }
}
