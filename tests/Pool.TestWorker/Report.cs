using System.Globalization;
using System.Text;
using Mono.Unix.Native;

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
            if (_logPath is not null) AppendLine(_logPath, line + "\n");
        }
    }

    /// <summary>
    /// Appends with O_APPEND, in one write(2). File.AppendAllText seeks to the end and then writes,
    /// so workers sharing the file overwrite each other's lines; O_APPEND makes each short write atomic.
    /// </summary>
    private static void AppendLine(string path, string line)
    {
        var fd = Syscall.open(path, OpenFlags.O_WRONLY | OpenFlags.O_APPEND | OpenFlags.O_CREAT, FilePermissions.DEFFILEMODE);
        if (fd < 0) return;
        using var stream = new Mono.Unix.UnixStream(fd, ownsHandle: true);
        var bytes = Encoding.UTF8.GetBytes(line);
        stream.Write(bytes, 0, bytes.Length);
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
