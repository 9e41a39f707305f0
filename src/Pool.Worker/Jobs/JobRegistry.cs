using System.Reflection;
using Pool.Protocol.Producing;

namespace Pool.Worker.Jobs;

/// <summary>Job types by payload class name: the [Job] name or type name, and the full type name.</summary>
public sealed class JobRegistry
{
    private readonly Dictionary<string, JobDescriptor> _byName = new(StringComparer.Ordinal);

    public int Count => _byName.Values.Distinct().Count();

    public JobRegistry Add<TJob>() => Add(typeof(TJob));

    public JobRegistry Add(Type type)
    {
        var descriptor = new JobDescriptor(JobNames.Of(type), type);
        _byName[descriptor.Name] = descriptor;
        if (type.FullName is { } full) _byName.TryAdd(full, descriptor);
        return this;
    }

    /// <summary>Adds every public, concrete <see cref="IJob"/> type in the assembly.</summary>
    public JobRegistry AddAssembly(Assembly assembly)
    {
        foreach (var type in assembly.GetExportedTypes())
        {
            if (type is { IsClass: true, IsAbstract: false } && typeof(IJob).IsAssignableFrom(type)) Add(type);
        }
        return this;
    }

    /// <summary>Loads a job assembly from a path (pool-worker --jobs / POOL_JOBS).</summary>
    public JobRegistry AddAssemblyFile(string path)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full)) throw new FileNotFoundException($"job assembly {full} does not exist", full);
        return AddAssembly(Assembly.LoadFrom(full));
    }

    public bool TryGet(string name, out JobDescriptor? descriptor) => _byName.TryGetValue(name, out descriptor);

    public IEnumerable<string> Names => _byName.Values.Select(d => d.Name).Distinct().Order(StringComparer.Ordinal);
}
