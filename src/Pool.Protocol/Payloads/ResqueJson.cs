using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Pool.Protocol.Payloads;

/// <summary>
/// JSON settings that match what Ruby's JSON.generate writes: compact, and no escaping of "/",
/// "&lt;", non-ASCII and friends. Resque deletes jobs by comparing encoded strings, so Pool must
/// write byte for byte what a Ruby producer would.
/// </summary>
public static class ResqueJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = false,
        // Hash arguments from Ruby or JavaScript producers often spell their keys in camelCase.
        PropertyNameCaseInsensitive = true,
        TypeInfoResolver = Contracts(),
    };

    /// <summary>
    /// Puts an app's own contracts (a JsonSerializerContext generated for its argument records and
    /// iteration cursors) ahead of Pool's: what a Native AOT app needs for types reflection cannot
    /// build there, such as a record whose constructor takes a decimal or an int.
    /// </summary>
    /// <exception cref="InvalidOperationException">The options were used already (contracts must be added before the first job is read).</exception>
    internal static void AddContracts(IJsonTypeInfoResolver contracts)
    {
        if (Options.IsReadOnly)
            throw new InvalidOperationException("JSON contracts must be added before the first payload is read or written (in PoolWorkerHost.RunAsync's job configuration)");
        Options.TypeInfoResolverChain.Insert(0, contracts);
    }

    /// <summary>
    /// Where the options find how to read and write a type: the common argument types from
    /// contracts generated at build time, then any other type by reflection, where the app allows
    /// it. Every JIT app does; a Native AOT app does with
    /// <c>&lt;JsonSerializerIsReflectionEnabledByDefault&gt;true&lt;/…&gt;</c>, and without it can
    /// still take the common types.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Reflection is used only where the app's feature switch allows it, as the serializer's own reflection overloads do.")]
    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("AOT", "IL3050", Justification = "The same: only where the app's feature switch allows reflection.")]
    private static IJsonTypeInfoResolver Contracts() => JsonSerializer.IsReflectionEnabledByDefault
        ? JsonTypeInfoResolver.Combine(CommonArgumentJson.Default, new DefaultJsonTypeInfoResolver())
        : CommonArgumentJson.Default;

    public static JsonWriterOptions WriterOptions { get; } = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
        SkipValidation = false,
    };

    /// <summary>A JSON string literal (with quotes) for <paramref name="value"/>.</summary>
    public static string Quote(string value)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(value.Length + 2);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions)) w.WriteStringValue(value);
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>
    /// How <see cref="Options"/> reads and writes values of a type known only at run time (a job's
    /// parameter, a producer's argument). It asks the options rather than the serializer's
    /// reflection overloads, so the same code serves a Native AOT worker app: there the contracts
    /// come by reflection only where the app allows it
    /// (<c>&lt;JsonSerializerIsReflectionEnabledByDefault&gt;true&lt;/…&gt;</c>), and otherwise the
    /// call throws <see cref="InvalidOperationException"/>, which fails the job, not the worker.
    /// </summary>
    internal static JsonTypeInfo TypeInfo(Type type) => Options.GetTypeInfo(type);
}

/// <summary>
/// Contracts generated at build time for the argument types jobs take most: JSON's own scalars,
/// and arrays, lists and string-keyed dictionaries of them.
/// </summary>
[System.Text.Json.Serialization.JsonSerializable(typeof(object))]
[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
[System.Text.Json.Serialization.JsonSerializable(typeof(bool))]
[System.Text.Json.Serialization.JsonSerializable(typeof(int))]
[System.Text.Json.Serialization.JsonSerializable(typeof(long))]
[System.Text.Json.Serialization.JsonSerializable(typeof(double))]
[System.Text.Json.Serialization.JsonSerializable(typeof(decimal))]
[System.Text.Json.Serialization.JsonSerializable(typeof(int?))]
[System.Text.Json.Serialization.JsonSerializable(typeof(long?))]
[System.Text.Json.Serialization.JsonSerializable(typeof(double?))]
[System.Text.Json.Serialization.JsonSerializable(typeof(bool?))]
[System.Text.Json.Serialization.JsonSerializable(typeof(DateTimeOffset))]
[System.Text.Json.Serialization.JsonSerializable(typeof(Guid))]
[System.Text.Json.Serialization.JsonSerializable(typeof(JsonElement))]
[System.Text.Json.Serialization.JsonSerializable(typeof(string[]))]
[System.Text.Json.Serialization.JsonSerializable(typeof(long[]))]
[System.Text.Json.Serialization.JsonSerializable(typeof(int[]))]
[System.Text.Json.Serialization.JsonSerializable(typeof(double[]))]
[System.Text.Json.Serialization.JsonSerializable(typeof(object[]))]
[System.Text.Json.Serialization.JsonSerializable(typeof(List<string>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(List<long>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(List<int>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(List<object>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, string>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, object>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, long>))]
internal sealed partial class CommonArgumentJson : System.Text.Json.Serialization.JsonSerializerContext;
