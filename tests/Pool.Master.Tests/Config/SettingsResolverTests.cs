using Pool.Master.Cli;
using Pool.Master.Config;

namespace Pool.Master.Tests.Config;

public class SettingsResolverTests
{
    [Fact]
    public void Environment_comes_from_the_flag_then_POOL_ENV_then_the_framework_variables()
    {
        var env = new Dictionary<string, string?> { ["RAILS_ENV"] = "staging", ["RESQUE_ENV"] = "x" };
        Assert.Equal("staging", SettingsResolver.ResolveEnvironment(null, env));
        env["POOL_ENV"] = "production";
        Assert.Equal("production", SettingsResolver.ResolveEnvironment(null, env));
        Assert.Equal("dev", SettingsResolver.ResolveEnvironment("dev", env));
    }

    [Fact]
    public void Term_timeout_defaults_to_25_s_and_honours_the_resque_alias()
    {
        Assert.Equal(TimeSpan.FromSeconds(25), SettingsResolver.ResolveTermTimeout(null, new Dictionary<string, string?>()));
        Assert.Equal(TimeSpan.FromSeconds(4), SettingsResolver.ResolveTermTimeout(null, new Dictionary<string, string?> { ["RESQUE_TERM_TIMEOUT"] = "4" }));
        Assert.Equal(TimeSpan.FromSeconds(9), SettingsResolver.ResolveTermTimeout(9, new Dictionary<string, string?> { ["TERM_TIMEOUT"] = "4" }));
        Assert.Throws<FormatException>(() => SettingsResolver.ResolveTermTimeout(null, new Dictionary<string, string?> { ["TERM_TIMEOUT"] = "soon" }));
    }

    /// <summary>A number past the range was told it must be a number of seconds.</summary>
    [Fact]
    public void A_term_timeout_too_large_says_so_and_gives_the_most_accepted()
    {
        var variable = Assert.Throws<FormatException>(() => SettingsResolver.ResolveTermTimeout(null, new Dictionary<string, string?> { ["TERM_TIMEOUT"] = "99999999999999" }));
        Assert.Equal("TERM_TIMEOUT='99999999999999' is too large: at most 86400 seconds (1 day); set it to e.g. 25", variable.Message);
        var flag = Assert.Throws<FormatException>(() => SettingsResolver.ResolveTermTimeout(99999999999999, new Dictionary<string, string?>()));
        Assert.StartsWith("--term-timeout is too large: at most 86400 seconds (1 day)", flag.Message, StringComparison.Ordinal);
        Assert.Equal("POOL_JOB_TIMEOUT='5,1e400': each of SOFT and HARD is too large: at most 86400 seconds (1 day)", Pool.Settings.WorkerVariableRules.JobTimeout("5,1e400"));
        Assert.StartsWith("POOL_POLL_INTERVAL is too large: at most 3600 seconds (1 hour)", Pool.Settings.WorkerVariableRules.PollInterval("7200"));
        Pool.Protocol.Working.WorkerLease.Parse("99999", out var lease);
        Assert.StartsWith("POOL_LEASE=99999 is too large: at most 3600 seconds (1 hour)", lease);
        // Not a number at all keeps the range.
        Assert.Equal("TERM_TIMEOUT='soon' must be a number of seconds from 0 to 86400; set it to e.g. 25",
            Assert.Throws<FormatException>(() => SettingsResolver.ResolveTermTimeout(null, new Dictionary<string, string?> { ["TERM_TIMEOUT"] = "soon" })).Message);
    }

    [Theory]
    [InlineData(null, 3)]
    [InlineData("5", 5)]
    [InlineData("0", 3)]
    [InlineData("many", 3)]
    public void Max_attempts_come_from_POOL_MAX_ATTEMPTS_when_it_is_a_whole_number_above_zero(string? raw, int expected) =>
        Assert.Equal(expected, SettingsResolver.ResolveMaxAttempts(new Dictionary<string, string?> { ["POOL_MAX_ATTEMPTS"] = raw }));

    [Fact]
    public void Config_path_prefers_the_flag_then_POOL_CONFIG_then_config_pool_yml()
    {
        var dir = Directory.CreateTempSubdirectory("pool-cfg").FullName;
        try
        {
            var env = new Dictionary<string, string?>();
            Assert.Throws<FileNotFoundException>(() => SettingsResolver.ResolveConfigPath(null, env, dir));

            // resque-pool's names come last: a resque-pool app runs as it is.
            Directory.CreateDirectory(Path.Combine(dir, "config"));
            File.WriteAllText(Path.Combine(dir, "config", "resque-pool.yml"), "foo: 1\n");
            Assert.Equal(Path.Combine(dir, "config", "resque-pool.yml"), SettingsResolver.ResolveConfigPath(null, env, dir));
            env["RESQUE_POOL_CONFIG"] = "legacy.yml";
            Assert.Equal(Path.Combine(dir, "legacy.yml"), SettingsResolver.ResolveConfigPath(null, env, dir));
            env.Remove("RESQUE_POOL_CONFIG");

            File.WriteAllText(Path.Combine(dir, "pool.yml"), "foo: 1\n");
            Assert.Equal(Path.Combine(dir, "pool.yml"), SettingsResolver.ResolveConfigPath(null, env, dir));

            File.WriteAllText(Path.Combine(dir, "config", "pool.yml"), "foo: 1\n");
            Assert.Equal(Path.Combine(dir, "config", "pool.yml"), SettingsResolver.ResolveConfigPath(null, env, dir));

            env["POOL_CONFIG"] = "other.yml";
            env["RESQUE_POOL_CONFIG"] = "legacy.yml";
            Assert.Equal(Path.Combine(dir, "other.yml"), SettingsResolver.ResolveConfigPath(null, env, dir));
            Assert.Equal(Path.Combine(dir, "flag.yml"), SettingsResolver.ResolveConfigPath("flag.yml", env, dir));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>
    /// `check --pidfile /missing/dir/p.pid` passed and `run` then stopped with "cannot write
    /// pidfile ...: No such file or directory", naming neither the flag nor the fix.
    /// </summary>
    [Fact]
    public void A_pidfile_run_could_not_create_is_refused_with_its_flag_or_variable()
    {
        var dir = Directory.CreateTempSubdirectory("pool-pid").FullName;
        try
        {
            var none = new Dictionary<string, string?>();
            Assert.Null(SettingsResolver.ResolvePidFile(null, none, dir));
            Assert.Equal("pool.pid", SettingsResolver.ResolvePidFile("pool.pid", none, dir));
            Assert.Equal("p.pid", SettingsResolver.ResolvePidFile(null, new Dictionary<string, string?> { ["POOL_PIDFILE"] = "p.pid" }, dir));

            var missing = Assert.Throws<FormatException>(() => SettingsResolver.ResolvePidFile("nope/p.pid", none, dir));
            Assert.Equal($"--pidfile 'nope/p.pid': the directory {dir}/nope does not exist, so the pidfile cannot be created; create it (mkdir -p {dir}/nope) or name a file in an existing directory", missing.Message);
            var fromEnv = Assert.Throws<FormatException>(() => SettingsResolver.ResolvePidFile(null, new Dictionary<string, string?> { ["POOL_PIDFILE"] = "nope/p.pid" }, dir));
            Assert.StartsWith("POOL_PIDFILE 'nope/p.pid': the directory", fromEnv.Message, StringComparison.Ordinal);

            var isDirectory = Assert.Throws<FormatException>(() => SettingsResolver.ResolvePidFile(dir, none, dir));
            Assert.Equal($"--pidfile '{dir}' is a directory, not a file; name the file, e.g. {dir}/pool-master.pid", isDirectory.Message);

            File.WriteAllText(Path.Combine(dir, "file"), "");
            var underFile = Assert.Throws<FormatException>(() => SettingsResolver.ResolvePidFile("file/p.pid", none, dir));
            Assert.Contains("is a file, not a directory", underFile.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void TERM_CHILD_0_selects_the_old_immediate_behaviour()
    {
        Assert.True(SettingsResolver.ResolveTermChild(new Dictionary<string, string?>()));
        Assert.False(SettingsResolver.ResolveTermChild(new Dictionary<string, string?> { ["TERM_CHILD"] = "0" }));
    }

    [Fact]
    public void The_default_worker_command_shows_in_ps_as_a_resque_worker_so_ruby_does_not_prune_it()
    {
        var argv = SettingsResolver.ResolveWorkerCommand(null, new Dictionary<string, string?>());
        Assert.Equal(["--procline", "resque-0:pool-worker"], argv.Skip(1));
        // Ruby's linux_worker_pids: grep -E "[r]esque:work|[r]esque:\sStarting|[r]esque-[0-9]" | grep -v resque-web
        Assert.Matches("resque-[0-9]", string.Join(' ', argv));
        Assert.Equal(["my-worker"], SettingsResolver.ResolveWorkerCommand("my-worker", new Dictionary<string, string?>()));
    }
}
