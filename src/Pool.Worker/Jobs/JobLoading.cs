using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace Pool.Worker.Jobs;

/// <summary>
/// Loads the job classes a worker runs, turning every way a job assembly can fail to load into
/// one line that names the file: the worker logs it and exits 2, and `pool-worker --check`
/// (which pool-master's `check` and HUP run) prints it, so a bad build is refused before any
/// worker starts on it.
/// </summary>
internal static class JobLoading
{
    /// <summary>
    /// The job assemblies this process can load: all of them, except in a Native AOT worker app,
    /// which cannot load assemblies at all and has its jobs built in. There POOL_JOBS (set for the
    /// pool-worker groups of the same pool) or --jobs is ignored, and <paramref name="note"/> says so.
    /// </summary>
    public static IReadOnlyList<string> Loadable(IReadOnlyList<string> paths, Action<string> note)
    {
        if (paths.Count == 0 || RuntimeFeature.IsDynamicCodeSupported) return paths;
        note($"{string.Join(", ", paths)} (--jobs / POOL_JOBS) not loaded: this worker is a Native AOT app, whose job classes are built in (jobs.Add<TJob>() in its Program.cs)");
        return [];
    }

    /// <summary>The registry, or null with <paramref name="error"/> saying which file failed and why.</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Job assemblies are loaded only where Loadable lets them: pool-worker and other untrimmed apps. A Native AOT app gets no paths, and its job classes are registered with Add<TJob>(), which keeps what they need.")]
    public static JobRegistry? Load(IReadOnlyList<string> paths, Action<JobRegistry>? configureJobs, out string? error)
    {
        var registry = new JobRegistry();
        string? current = null;
        try
        {
            configureJobs?.Invoke(registry);
            foreach (var path in paths)
            {
                current = path;
                registry.AddAssemblyFile(path);
            }
            error = null;
            return registry;
        }
        catch (Exception e) when (e is IOException or BadImageFormatException or ArgumentException or TypeLoadException or ReflectionTypeLoadException or MissingMemberException)
        {
            error = (current is null ? "" : current + ": ") + Describe(e);
            return null;
        }
    }

    /// <summary>`pool-worker --check`: the job classes on stdout and 0, or the problem on stderr and 2.</summary>
    public static int Check(IReadOnlyList<string> paths, Action<JobRegistry>? configureJobs, IServiceProvider? services = null)
    {
        paths = Loadable(paths, note => Console.Error.WriteLine("pool-worker --check: " + note));
        var registry = Load(paths, configureJobs, out var error);
        if (registry is null)
        {
            Console.Error.WriteLine("pool-worker --check: cannot load jobs: " + error);
            return 2;
        }
        if (registry.Count == 0)
        {
            var where = paths.Count == 0 ? "no job assembly given (--jobs or POOL_JOBS)" : string.Join(", ", paths) + " holds none";
            Console.Error.WriteLine($"pool-worker --check: finds no job classes: {where}; a job is a public class that implements Pool.Worker.Jobs.IJob");
            return 2;
        }
        if (ConstructionProblems(registry, services).FirstOrDefault() is { } unbuildable)
        {
            Console.Error.WriteLine("pool-worker --check: cannot build a job: " + unbuildable);
            return 2;
        }
        Console.Out.WriteLine($"pool-worker --check: {registry.Count} job class(es): {string.Join(", ", registry.Names)}");
        return 0;
    }

    /// <summary>The job classes the worker could never build (see <see cref="JobDescriptor.ConstructionProblem"/>), one line each.</summary>
    public static IEnumerable<string> ConstructionProblems(JobRegistry registry, IServiceProvider? services) =>
        registry.Descriptors.Select(d => d.ConstructionProblem(services)).OfType<string>();

    /// <summary>One line: the loader's first own message, and for a missing dependency how to ship it.</summary>
    private static string Describe(Exception e)
    {
        if (e is ReflectionTypeLoadException { LoaderExceptions: var inner } && inner.FirstOrDefault(x => x is not null) is { } first) e = first;
        var message = e.Message.Split('\n')[0].Trim();
        return e is FileNotFoundException or FileLoadException && e.Message.Contains("assembly", StringComparison.OrdinalIgnoreCase) && !e.Message.StartsWith("job assembly", StringComparison.Ordinal)
            ? message + " (a dependency of the job assembly: publish it with `dotnet publish` and point POOL_JOBS at the published .dll, beside its dependencies)"
            : message;
    }
}
