using System.Reflection;

namespace Pool.Protocol.Producing;

/// <summary>
/// Renames a job: its payload "class" becomes this name instead of the type's name. Lives in
/// Pool.Protocol so producers and workers agree on names without a reference to the worker.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class JobAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}

/// <summary>The payload class name of a job type: its [Job] name, else its type name.</summary>
public static class JobNames
{
    public static string Of(Type type) => type.GetCustomAttribute<JobAttribute>()?.Name ?? type.Name;
}
