using System.Text;

namespace Pool.Protocol.Scripts;

/// <summary>
/// One Lua script: the SHA1 Redis caches it under, and its source (the shared prelude plus its
/// body), which is read only when Redis does not have the script (NOSCRIPT). The SHA1 comes
/// from the build (Scripts/ScriptHashes.targets): hashing at start-up loaded OpenSSL into every
/// worker, 20 to 29 ms of CPU on a respawn's way to its first job.
/// </summary>
internal sealed class LuaScriptText
{
    private readonly Lazy<string> _source;

    private LuaScriptText(string name)
    {
        Name = name;
        Sha1 = ScriptHashes.Of(name) ?? throw new InvalidOperationException($"no build-time hash for the script {name}: is Scripts/Lua/{name}.lua embedded?");
        Sha1Bytes = Convert.FromHexString(Sha1);
        _source = new Lazy<string>(() => Read("common") + "\n" + Read(name));
    }

    public string Name { get; }
    public string Source => _source.Value;
    public string Sha1 { get; }
    public byte[] Sha1Bytes { get; }

    public static LuaScriptText Load(string name) => new(name);

    private static string Read(string name)
    {
        var resource = $"Pool.Protocol.Scripts.{name}.lua";
        using var stream = typeof(LuaScriptText).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"embedded script {resource} is missing");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
