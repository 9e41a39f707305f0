using Pool.Testing;

namespace Pool.Master.Tests.Cli;

/// <summary>`pool-master check` as a user runs it: the real executable, a real file.</summary>
public sealed class CheckCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pool-check").FullName;

    private (int Code, string Output) Check(string yaml, params string[] extra)
    {
        var path = Path.Combine(_dir, "pool.yml");
        File.WriteAllText(path, yaml);
        using var process = TestProcess.Start(Artifacts.PoolMaster, ["check", "-c", path, .. extra], workingDirectory: _dir);
        var code = process.WaitForExit(TimeSpan.FromSeconds(30));
        return (code, process.Output);
    }

    [Fact]
    public void Check_prints_the_resolved_pool_and_exits_0()
    {
        var (code, output) = Check("foo: 1\n\"bar,baz\": 2\nproduction:\n  foo: 4\n", "-E", "production");

        Assert.Equal(0, code);
        Assert.Contains("environment: production", output);
        Assert.Contains("foo: 4", output);
        Assert.Contains("bar,baz: 2", output);
        Assert.Contains("workers: 6", output);
    }

    [Fact]
    public void Check_reports_one_line_with_file_line_and_key_and_exits_1()
    {
        var (code, output) = Check("foo: 1\nbar: -2\n");

        Assert.Equal(1, code);
        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("pool.yml:2: key 'bar'", line);
    }

    [Fact]
    public void Check_warns_about_a_section_key_that_looks_like_count_and_still_exits_0()
    {
        var (code, output) = Check("default: 1\ncrunch:\n  cont: 3\n");

        Assert.Equal(0, code);
        Assert.Contains("pool-master check: warning: pool.yml:3: key 'crunch.cont': looks like the group option count", output);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
