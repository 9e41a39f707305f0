using System.Collections.Concurrent;
using System.Diagnostics;
using Mono.Unix.Native;

namespace Pool.Testing;

/// <summary>
/// A real child process under test: captures stdout/stderr line by line, sends real signals,
/// and waits for lines or exit with a deadline. Disposing kills it (and its process group)
/// so a failed test leaves nothing behind.
/// </summary>
public sealed class TestProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();

    public int Pid { get; }
    public IReadOnlyCollection<string> Lines => _lines;
    public string Output => string.Join('\n', _lines);

    private TestProcess(Process process)
    {
        _process = process;
        Pid = process.Id;
    }

    /// <param name="pipeStdin">A pipe as its stdin, for <see cref="WriteInput"/> and <see cref="CloseInput"/>; otherwise it inherits the test's.</param>
    public static TestProcess Start(string fileName, IEnumerable<string> args, IDictionary<string, string?>? env = null, string? workingDirectory = null, bool pipeStdin = false)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = pipeStdin,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (env is not null)
        {
            foreach (var (k, v) in env)
            {
                if (v is null) psi.Environment.Remove(k);
                else psi.Environment[k] = v;
            }
        }

        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start " + fileName);
        var handle = new TestProcess(process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) handle._lines.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) handle._lines.Enqueue("stderr: " + e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return handle;
    }

    /// <summary>One line to its stdin (started with pipeStdin).</summary>
    public void WriteInput(string line)
    {
        _process.StandardInput.WriteLine(line);
        _process.StandardInput.Flush();
    }

    /// <summary>Ends its stdin (started with pipeStdin).</summary>
    public void CloseInput() => _process.StandardInput.Close();

    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    public void Signal(Signum signal)
    {
        if (Syscall.kill(Pid, signal) != 0 && !_process.HasExited)
            throw new InvalidOperationException($"kill({Pid}, {signal}) failed: {Stdlib.GetLastError()}");
    }

    /// <summary>Waits for an output line that contains <paramref name="text"/> and returns it.</summary>
    public string WaitForLine(string text, TimeSpan? timeout = null) => WaitForLine(l => l.Contains(text, StringComparison.Ordinal), timeout, text);

    public string WaitForLine(Func<string, bool> match, TimeSpan? timeout = null, string? because = null)
    {
        string? found = null;
        Wait.Until(() => (found = _lines.FirstOrDefault(match)) is not null, timeout,
            $"a line with '{because}' from pid {Pid}. Output so far:\n{Output}");
        return found!;
    }

    public int CountLines(string text) => _lines.Count(l => l.Contains(text, StringComparison.Ordinal));

    /// <summary>Waits for exit and returns the exit code.</summary>
    public int WaitForExit(TimeSpan? timeout = null)
    {
        var limit = timeout ?? Wait.Default;
        if (!_process.WaitForExit(limit))
            throw new TimeoutException($"pid {Pid} did not exit within {limit.TotalSeconds:0.#} s. Output:\n{Output}");
        _process.WaitForExit(); // flush the async readers
        return _process.ExitCode;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                Syscall.kill(-Pid, Signum.SIGKILL);
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }
}

/// <summary>Facts about live processes, read from /proc.</summary>
public static class ProcFs
{
    public static bool IsAlive(int pid)
    {
        var state = State(pid);
        return state is not null && state != 'Z' && state != 'X';
    }

    /// <summary>The state letter from /proc/PID/stat (R, S, Z...), or null when the pid is gone.</summary>
    public static char? State(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var close = stat.LastIndexOf(')');
            return stat[close + 2];
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    /// <summary>The command name from /proc/PID/comm ("sleep"), or "" when the pid is gone.</summary>
    public static string Command(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/comm").Trim(); }
        catch (IOException) { return ""; }
    }

    public static int ParentPid(int pid) => (int)StatField(pid, 1);

    /// <summary>The parent of <paramref name="pid"/>, or null once the process is gone: it can exit between two reads of /proc.</summary>
    public static int? ParentPidOrNull(int pid)
    {
        try
        {
            return ParentPid(pid);
        }
        catch (IOException)
        {
            return null;
        }
    }
    public static int ProcessGroup(int pid) => (int)StatField(pid, 2);

    /// <summary>User plus system CPU time consumed so far (USER_HZ is 100 on Linux x86_64 and arm64).</summary>
    public static TimeSpan CpuTime(int pid) => TimeSpan.FromSeconds((StatField(pid, 11) + StatField(pid, 12)) / 100.0);

    /// <summary>
    /// How many times the threads of <paramref name="pid"/> gave up the CPU so far (voluntary and
    /// involuntary context switches, summed over /proc/PID/task; a yield that let another thread
    /// run counts as involuntary), of the threads named <paramref name="thread"/> (their comm, at most
    /// 15 characters) or of all. A thread that ended is not counted.
    /// </summary>
    public static long ContextSwitches(int pid, string? thread = null)
    {
        long total = 0;
        foreach (var task in System.IO.Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            try
            {
                if (thread is not null && File.ReadAllText(Path.Combine(task, "comm")).Trim() != thread) continue;
                total += File.ReadLines(Path.Combine(task, "status"))
                    .Where(l => l.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal) || l.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal))
                    .Sum(l => long.Parse(l.Split(':')[1].Trim(), System.Globalization.CultureInfo.InvariantCulture));
            }
            catch (IOException) { /* the thread ended meanwhile */ }
        }
        return total;
    }

    /// <summary>VmRSS in MiB, or 0 when the line is missing.</summary>
    public static double RssMb(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024.0;
    }

    /// <summary>
    /// Of the pids <paramref name="isZombie"/> picks among <paramref name="candidates"/>, those
    /// still unreaped after <paramref name="grace"/>. A process that has just exited is a zombie
    /// until its parent's SIGCHLD handler reaps it, so one caught in that instant (a crash-looping
    /// worker, a test's own child; under load it is often caught) is not a leak; one that stays is.
    /// </summary>
    public static IReadOnlyList<int> UnreapedZombies(IEnumerable<int> candidates, Func<int, bool> isZombie, TimeSpan grace)
    {
        var zombies = candidates.Where(isZombie).ToList();
        var settle = System.Diagnostics.Stopwatch.StartNew();
        while (zombies.Any(isZombie) && settle.Elapsed < grace) Thread.Sleep(20);
        return zombies.Where(isZombie).ToList();
    }

    /// <summary>The children of <paramref name="parent"/> that stay zombies for 2 s: ones it never reaps.</summary>
    public static IReadOnlyList<int> UnreapedChildren(int parent) =>
        UnreapedZombies(Children(parent), p => State(p) == 'Z', TimeSpan.FromSeconds(2));

    /// <summary>Pids whose parent is <paramref name="pid"/>.</summary>
    public static IReadOnlyList<int> Children(int pid) =>
        AllPids().Where(p => ParentPidOrNull(p) == pid).ToList();

    public static IEnumerable<int> AllPids() =>
        System.IO.Directory.EnumerateDirectories("/proc")
            .Select(Path.GetFileName)
            .Where(n => n is not null && n.All(char.IsAsciiDigit))
            .Select(n => int.Parse(n!));

    public static IReadOnlyDictionary<string, string> Environment(int pid)
    {
        var raw = File.ReadAllText($"/proc/{pid}/environ");
        return raw.Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Select(e => e.Split('=', 2))
            .Where(p => p.Length == 2)
            .GroupBy(p => p[0]).ToDictionary(g => g.Key, g => g.Last()[1]);
    }

    /// <summary>A field of /proc/PID/stat, counted from the state letter (0) after the command name.</summary>
    private static long StatField(int pid, int index)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var close = stat.LastIndexOf(')');
        var fields = stat[(close + 2)..].Split(' ');
        return long.Parse(fields[index], System.Globalization.CultureInfo.InvariantCulture);
    }
}
