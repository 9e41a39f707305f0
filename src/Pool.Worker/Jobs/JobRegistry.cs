using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Pool.Protocol.Producing;

namespace Pool.Worker.Jobs;

/// <summary>Job types by payload class name: the [Job] name or type name, and the full type name.</summary>
public sealed class JobRegistry
{
    /// <summary>Why finding jobs in an assembly does not suit a trimmed or Native AOT app, and what does.</summary>
    internal const string ByReflection = "Finds job classes by reflection over an assembly's types, which trimming may remove; a trimmed or Native AOT worker app registers each job class with Add<TJob>() instead";

    private readonly Dictionary<string, JobDescriptor> _byName = new(StringComparer.Ordinal);

    public int Count => _byName.Values.Distinct().Count();

    public JobRegistry Add<[DynamicallyAccessedMembers(JobDescriptor.Members)] TJob>() => Add(typeof(TJob));

    /// <exception cref="ArgumentException">The type is no job (see <see cref="JobDescriptor"/>), or another job class already answers to its name.</exception>
    public JobRegistry Add([DynamicallyAccessedMembers(JobDescriptor.Members)] Type type)
    {
        var descriptor = new JobDescriptor(JobNames.Of(type), type);
        Claim(descriptor.Name, descriptor);
        if (type.FullName is { } full && full != descriptor.Name) Claim(full, descriptor);
        return this;
    }

    /// <summary>
    /// Two classes under one name (Billing.Send and Mail.Send) used to be settled silently by
    /// load order, so a payload could run the other class's code: refused, with the fix.
    /// </summary>
    private void Claim(string name, JobDescriptor descriptor)
    {
        if (_byName.TryGetValue(name, out var held) && held.Type != descriptor.Type)
            throw new ArgumentException($"two job classes answer to '{name}': {held.Type.FullName} and {descriptor.Type.FullName}; give one of them another name with [Job(\"...\")]");
        _byName[name] = descriptor;
    }

    /// <summary>Adds every public, concrete <see cref="IJob"/> type in the assembly.</summary>
    [RequiresUnreferencedCode(ByReflection)]
    public JobRegistry AddAssembly(Assembly assembly)
    {
        foreach (var type in assembly.GetExportedTypes())
        {
            if (type is { IsClass: true, IsAbstract: false } && typeof(IJob).IsAssignableFrom(type)) Add(type);
        }
        return this;
    }

    /// <summary>Loads a job assembly from a path (pool-worker --jobs / POOL_JOBS).</summary>
    [RequiresUnreferencedCode(ByReflection)]
    public JobRegistry AddAssemblyFile(string path)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full)) throw new FileNotFoundException($"job assembly {full} does not exist", full);
        return AddAssembly(Assembly.LoadFrom(full));
    }

    /// <summary>
    /// Binds job arguments and iteration cursors of the types in <paramref name="contracts"/> (a
    /// JsonSerializerContext of the app's) with those generated contracts, before Pool's own and
    /// before reflection. A Native AOT app needs this for its records with value-type members
    /// (reflection cannot build their converters there); any app may use it.
    /// </summary>
    public JobRegistry AddJsonContracts(System.Text.Json.Serialization.Metadata.IJsonTypeInfoResolver contracts)
    {
        ArgumentNullException.ThrowIfNull(contracts);
        Pool.Protocol.Payloads.ResqueJson.AddContracts(contracts);
        return this;
    }

    /// <summary>Each job class once.</summary>
    internal IEnumerable<JobDescriptor> Descriptors => _byName.Values.Distinct();

    public bool TryGet(string name, out JobDescriptor? descriptor) => _byName.TryGetValue(name, out descriptor);

    public IEnumerable<string> Names => _byName.Values.Select(d => d.Name).Distinct().Order(StringComparer.Ordinal);
}
