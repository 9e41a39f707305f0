using System.Security.Cryptography;
using System.Text;

namespace Pool.Protocol.Scripts;

/// <summary>One Lua script: the shared prelude plus its body, and the SHA1 Redis caches it under.</summary>
internal sealed class LuaScriptText
{
    private LuaScriptText(string name, string source)
    {
        Name = name;
        Source = source;
        Sha1Bytes = SHA1.HashData(Encoding.UTF8.GetBytes(source));
        Sha1 = Convert.ToHexStringLower(Sha1Bytes);
    }

    public string Name { get; }
    public string Source { get; }
    public string Sha1 { get; }
    public byte[] Sha1Bytes { get; }

    public static LuaScriptText Load(string name) => new(name, Read("common") + "\n" + Read(name));

    private static string Read(string name)
    {
        var resource = $"Pool.Protocol.Scripts.{name}.lua";
        using var stream = typeof(LuaScriptText).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"embedded script {resource} is missing");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
