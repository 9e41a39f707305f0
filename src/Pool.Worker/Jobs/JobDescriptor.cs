using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Text.Json;
using Pool.Protocol.Payloads;

namespace Pool.Worker.Jobs;

/// <summary>A job type and its Perform method, with the binding of payload args to parameters.</summary>
public sealed class JobDescriptor
{
    private readonly ParameterInfo[] _parameters;
    private readonly ParameterInfo[] _bound;

    /// <summary>What a job class needs kept when an app is trimmed (Native AOT): its Perform method and its constructors.</summary>
    internal const DynamicallyAccessedMemberTypes Members = DynamicallyAccessedMemberTypes.PublicMethods | DynamicallyAccessedMemberTypes.PublicConstructors;

    public JobDescriptor(string name, [DynamicallyAccessedMembers(Members)] Type type)
    {
        Name = name;
        Type = type;
        var methods = type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static)
            .Where(m => m.Name is "Perform" or "PerformAsync" && !m.IsGenericMethodDefinition).ToList();
        if (methods.Count != 1)
            throw new ArgumentException($"job {type.FullName} must have exactly one public Perform or PerformAsync method; it has {methods.Count}");
        Method = methods[0];
        // Its exceptions would escape on a thread-pool thread and kill the worker after the job was acked as done.
        if (Method.ReturnType == typeof(void) && Method.GetCustomAttribute<System.Runtime.CompilerServices.AsyncStateMachineAttribute>() is not null)
            throw new ArgumentException($"job {type.FullName}: {Method.Name} is async void, so the worker cannot await it or see its exceptions; return Task");
        _parameters = Method.GetParameters();
        _bound = _parameters.Where(p => p.ParameterType != typeof(CancellationToken)).ToArray();
        IsIteration = typeof(Iteration.IIterationJob).IsAssignableFrom(type);
        TimeLimit = type.GetCustomAttribute<Limits.JobTimeoutAttribute>()?.Limit;
    }

    public string Name { get; }
    [DynamicallyAccessedMembers(Members)]
    public Type Type { get; }
    public MethodInfo Method { get; }

    /// <summary>An <see cref="Iteration.IterationJob{TItem,TCursor}"/>: Perform returns the enumeration to walk.</summary>
    public bool IsIteration { get; }

    /// <summary>The class's own [JobTimeout], which wins over the group's job_timeout.</summary>
    public Limits.TimeLimit? TimeLimit { get; }

    /// <summary>
    /// Why the worker could never build this job, or null: without services (pool-worker), an
    /// instance Perform needs a public parameterless constructor; with services that can say what
    /// they hold (Microsoft's container can), some public constructor must have every parameter
    /// registered or defaulted. `--check` refuses such a build (HUP with it), where the job used to
    /// load, run and fail with MissingMethodException, retried.
    /// </summary>
    internal string? ConstructionProblem(IServiceProvider? services)
    {
        if (Method.IsStatic) return null;
        var constructors = Type.GetConstructors();
        if (services is null)
            return constructors.Any(c => c.GetParameters().Length == 0) ? null
                : $"job {Type.FullName} has no public parameterless constructor, and pool-worker builds jobs without services: give it one, or host the jobs with an IServiceProvider (PoolWorkerHost.RunAsync)";
        if (services.GetService(typeof(Microsoft.Extensions.DependencyInjection.IServiceProviderIsService)) is not Microsoft.Extensions.DependencyInjection.IServiceProviderIsService known) return null;
        var fewestMissing = constructors
            .Select(c => c.GetParameters().Where(p => !p.HasDefaultValue && !known.IsService(p.ParameterType)).Select(p => p.ParameterType.Name).ToList())
            .OrderBy(missing => missing.Count).FirstOrDefault();
        return fewestMissing is not { Count: > 0 } ? null
            : $"job {Type.FullName}: no public constructor whose parameters the services provide (not registered: {string.Join(", ", fewestMissing)}); register them in the ServiceCollection";
    }

    /// <summary>Binds args by position; throws <see cref="JobArgumentException"/> saying what did not fit.</summary>
    public object?[] Bind(JsonElement args, CancellationToken token)
    {
        var given = args.GetArrayLength();
        var required = _bound.Count(p => !p.HasDefaultValue);
        if (given < required || given > _bound.Length)
        {
            var expected = string.Join(", ", _bound.Select(p => $"{p.Name}: {p.ParameterType.Name}"));
            throw new JobArgumentException($"{Name} takes {Count(required, _bound.Length)} argument(s) ({expected}) but the payload has {given}");
        }

        var values = new object?[_parameters.Length];
        var next = 0;
        for (var i = 0; i < _parameters.Length; i++)
        {
            var p = _parameters[i];
            if (p.ParameterType == typeof(CancellationToken)) { values[i] = token; continue; }
            var position = next++;
            if (position >= given) { values[i] = p.DefaultValue; continue; }
            var element = args[position];
            try
            {
                values[i] = element.Deserialize(ResqueJson.TypeInfo(p.ParameterType));
            }
            catch (JsonException)
            {
                throw new JobArgumentException($"{Name} argument {position + 1} ({p.Name}) is {element.GetRawText()}, which is not of type {p.ParameterType.Name}");
            }
            catch (Exception e) when (e is NotSupportedException or InvalidOperationException)
            {
                // The JSON may be fine: this app cannot read the type at all (in a Native AOT app,
                // a record whose converter reflection cannot build).
                throw new JobArgumentException($"{Name} argument {position + 1} ({p.Name}): this worker cannot read a {p.ParameterType.Name} from JSON ({e.Message.Split('\n')[0]}); in a Native AOT worker app, list the type in a JsonSerializerContext and register it with jobs.AddJsonContracts(...)");
            }
            if (values[i] is null && p.ParameterType.IsValueType && Nullable.GetUnderlyingType(p.ParameterType) is null)
                throw new JobArgumentException($"{Name} argument {position + 1} ({p.Name}) is null, which is not of type {p.ParameterType.Name}");
        }
        return values;
    }

    private static string Count(int min, int max) => min == max ? min.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{min} to {max}";
}
