using System.Diagnostics;

namespace Pool.Master.Config;

/// <summary>
/// Asks pool-worker itself whether a worker could start: `pool-worker --check` with the command
/// (its own options too) and environment a worker would get. <see cref="WorkerCommandCheck"/>
/// only looks at the files, so an assembly that loads but whose classes cannot run (two Perform
/// methods, async void, a dependency not published beside it, two classes under one name), or a
/// group's `command: "pool-worker --concurrency 0"`, passed `check`, and every worker then
/// exited at start, crash-looping; on HUP the old workers were retired for them. `check` and
/// HUP ask of every pool-worker command. The start asks only of those that give pool-worker
/// options the master cannot judge itself: asking of the usual command would hold up every
/// start by a worker's own start-up (about 0.2 s), so run `check` in a release phase for the
/// job classes.
/// </summary>
internal static class JobLoadCheck
{
    /// <summary>How long pool-worker may take to load the assemblies and answer.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>pool-worker --check's exit code when a job class cannot run; any other failure is the command's own.</summary>
    private const int JobsCannotRun = 2;

    /// <summary>pool-worker's answer for each distinct pool-worker command asked ("14 job class(es): A, B, ..."), with every group that runs that command.</summary>
    /// <param name="everyCommand">Ask of every pool-worker command (check, HUP); else only of those with options of their own (start).</param>
    /// <exception cref="ConfigException">A group's own pool-worker command cannot start a worker or load its jobs.</exception>
    /// <param name="byCommand">When given, each answer is also put here under its command's argv joined by NUL (ScheduleTargets reads the classes from it).</param>
    /// <exception cref="FormatException">The master's worker command cannot, or cannot load the jobs POOL_JOBS names.</exception>
    public static IReadOnlyList<(string Answer, IReadOnlyList<string> Groups)> Require(PoolConfig config, IReadOnlyList<string> workerCommand, IReadOnlyDictionary<string, string?> env, string workingDirectory, bool everyCommand = true,
        IDictionary<string, string>? byCommand = null)
    {
        var answers = new List<(string, IReadOnlyList<string>)>();
        foreach (var (argv, group, own) in WorkerCommandCheck.Commands(config, workerCommand))
        {
            if (!WorkerCommandCheck.IsPoolWorker(argv) || !(everyCommand || WorkerCommandCheck.HasOptionsOfItsOwn(argv))) continue;
            var (code, line) = Ask(argv, env, workingDirectory);
            if (code != 0)
            {
                // Where the fix goes: POOL_JOBS for the job classes it names, else the command (the group's, or the master's).
                if (code == JobsCannotRun && !own && WorkerCommandCheck.JobsOption(argv) is null) throw new FormatException($"{WorkerCommandCheck.JobsVariable}: {line}");
                throw WorkerCommandCheck.CommandProblem(config, group, own, line);
            }
            answers.Add((line, WorkerCommandCheck.GroupsRunning(config, workerCommand, argv)));
            if (byCommand is not null) byCommand[string.Join('\0', argv)] = line;
        }
        return answers;
    }

    /// <summary>Runs argv with --check: its exit code and answer, or what went wrong, in one line.</summary>
    private static (int Code, string Line) Ask(IReadOnlyList<string> argv, IReadOnlyDictionary<string, string?> env, string workingDirectory)
    {
        var start = new ProcessStartInfo(argv[0])
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in argv.Skip(1)) start.ArgumentList.Add(arg);
        start.ArgumentList.Add("--check");
        foreach (var (name, value) in env)
        {
            if (value is null) start.Environment.Remove(name);
            else start.Environment[name] = value;
        }
        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (127, $"cannot start {argv[0]} --check: {e.Message}");
        }
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Patience))
        {
            try { process.Kill(entireProcessTree: true); }
            catch (InvalidOperationException) { }
            return (JobsCannotRun, $"{argv[0]} --check did not answer within {Patience.TotalSeconds:0} s (a job assembly whose loading hangs?)");
        }
        process.WaitForExit();
        var said = FirstLine(errors.Result) ?? FirstLine(output.Result);
        return process.ExitCode == 0
            ? (0, FirstLine(output.Result)?.Replace("pool-worker --check: ", "", StringComparison.Ordinal) ?? "")
            : (process.ExitCode, Unprefixed(said) ?? $"{argv[0]} --check exited with {process.ExitCode} and said nothing");
    }

    private static string? FirstLine(string text) =>
        text.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0);

    /// <summary>"pool-worker --check: cannot load jobs: ..." reads "pool-worker cannot load jobs: ..." in the master's message.</summary>
    private static string? Unprefixed(string? line) =>
        line is not null && line.StartsWith("pool-worker --check: ", StringComparison.Ordinal) ? "pool-worker " + line["pool-worker --check: ".Length..] : line;
}
