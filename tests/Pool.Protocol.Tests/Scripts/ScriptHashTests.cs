using System.Security.Cryptography;
using System.Text;
using Pool.Protocol.Scripts;

namespace Pool.Protocol.Tests.Scripts;

/// <summary>The SHA1s the build computes (Scripts/ScriptHashes.targets) are those Redis computes of the sources sent on NOSCRIPT.</summary>
public class ScriptHashTests
{
    private static IEnumerable<string> ScriptNames() =>
        typeof(LuaScriptText).Assembly.GetManifestResourceNames()
            .Where(r => r.StartsWith("Pool.Protocol.Scripts.", StringComparison.Ordinal) && r.EndsWith(".lua", StringComparison.Ordinal))
            .Select(r => r["Pool.Protocol.Scripts.".Length..^".lua".Length])
            .Where(name => name != "common");

    [Fact]
    public void Every_embedded_script_has_the_build_time_SHA1_of_its_source()
    {
        var names = ScriptNames().ToList();
        Assert.True(names.Count >= 20, $"found only {names.Count} scripts");
        foreach (var name in names)
        {
            var script = LuaScriptText.Load(name);
            var expected = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(script.Source)));
            Assert.True(expected == script.Sha1, $"{name}: built {script.Sha1}, source hashes to {expected}");
            Assert.Equal(Convert.FromHexString(expected), script.Sha1Bytes);
        }
    }

    [Fact]
    public void A_script_that_is_not_embedded_is_refused_with_its_name()
    {
        var e = Assert.Throws<InvalidOperationException>(() => LuaScriptText.Load("no_such_script"));
        Assert.Contains("no_such_script", e.Message, StringComparison.Ordinal);
    }
}
