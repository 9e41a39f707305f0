using System.Reflection;
using System.Text.RegularExpressions;
using Pool.Protocol.Keys;
using Pool.Protocol.Scripts;

namespace Pool.Protocol.Tests.Keys;

/// <summary>The Redis key schema has one home: every key a Lua script builds is one of <see cref="KeyNames"/>.</summary>
public sealed partial class KeyNamesTests
{
    [GeneratedRegex(@"\bk\('([^']*)'")]
    private static partial Regex KeyLiteral();

    private static IEnumerable<LuaScriptText> Scripts() =>
        new[] { typeof(PoolScripts), typeof(Pool.Protocol.Scheduling.SchedulingScripts) }
            .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static))
            .Where(f => f.FieldType == typeof(LuaScriptText))
            .Select(f => (LuaScriptText)f.GetValue(null)!);

    [Fact]
    public void Every_key_a_script_builds_is_declared_in_KeyNames()
    {
        var scripts = Scripts().ToList();
        Assert.NotEmpty(scripts);
        var undeclared = scripts
            .SelectMany(s => KeyLiteral().Matches(s.Source).Select(m => (Script: s.Name, Key: m.Groups[1].Value)))
            .Where(x => !KeyNames.All.Any(name => x.Key == name || (name.EndsWith(':') && x.Key.StartsWith(name, StringComparison.Ordinal))))
            .Select(x => $"{x.Script}.lua builds k('{x.Key}...')")
            .Distinct()
            .ToList();
        Assert.True(undeclared.Count == 0,
            "keys built in Lua but not declared in Pool.Protocol/Keys/KeyNames.cs (add them there, and to ResqueKeys if C# uses them):\n"
            + string.Join("\n", undeclared));
    }

    [Fact]
    public void The_scripts_build_keys_with_the_namespace_helper_and_declared_names_are_used_somewhere()
    {
        var sources = string.Join("\n", Scripts().Select(s => s.Source));
        Assert.Contains("local function k(rest)", sources);
        // A declared name no script and no ResqueKeys member uses is a stale entry.
        var resqueKeys = string.Concat(new[] { SourcePath(), SourcePath().Replace("Keys/ResqueKeys.cs", "Scheduling/SchedulerKeys.cs"), SourcePath().Replace("Keys/ResqueKeys.cs", "Retries/RetryKeys.cs") }
            .Where(File.Exists).Select(File.ReadAllText));
        var unused = typeof(KeyNames).GetFields()
            .Where(f => f.IsLiteral)
            .Where(f => !sources.Contains("'" + (string)f.GetRawConstantValue()!, StringComparison.Ordinal)
                        && !resqueKeys.Contains("KeyNames." + f.Name, StringComparison.Ordinal))
            .Select(f => f.Name)
            .ToList();
        Assert.True(unused.Count == 0, "KeyNames entries used nowhere: " + string.Join(", ", unused));
    }

    private static string SourcePath([System.Runtime.CompilerServices.CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "../../../src/Pool.Protocol/Keys/ResqueKeys.cs"));
}
