using System.Globalization;
using Mono.Unix.Native;
using Pool.Master.Cli;
using Pool.Master.Config;
using Pool.Master.Tests.Supervision;
using Pool.Settings;
using Pool.Testing;

namespace Pool.Master.Tests.Config;

/// <summary>
/// Generated pool.yml files: numbers at and past every range, odd characters in keys and values,
/// and structure changes smuggled in through variables. The rule under test: the loader either
/// accepts a file whose every value `run` can use, or rejects it with one line that names the
/// file. Most cases run in process; a few go through the real `check` and `run`.
/// </summary>
public sealed class ConfigFuzzTests
{
    public const int InProcessCases = 2000;

    [Fact]
    public void Every_generated_file_is_either_runnable_or_rejected_with_one_line()
    {
        var accepted = 0;
        foreach (var (yaml, env) in ConfigFuzz.Generate(seed: 10, InProcessCases))
        {
            PoolConfig config;
            try
            {
                config = ConfigLoader.Parse(yaml, "pool.yml", "/x/pool.yml", "production", env);
            }
            catch (ConfigException e)
            {
                Assert.StartsWith("pool.yml", e.Message);
                Assert.DoesNotContain('\n', e.Message);
                continue;
            }
            accepted++;
            AssertRunnable(config, yaml);
        }
        // The generator must exercise both outcomes, or it tests nothing.
        Assert.InRange(accepted, InProcessCases / 20, InProcessCases - InProcessCases / 20);
    }

    /// <summary>What `run` and HUP do with an accepted config, checked without running it.</summary>
    private static void AssertRunnable(PoolConfig config, string yaml)
    {
        Assert.InRange(config.TotalWorkers, 0, GroupOptions.MaxCount);
        foreach (var g in config.Groups)
        {
            Assert.InRange(g.Count, 0, GroupOptions.MaxCount);
            Assert.All(g.Queues, q => Assert.False(q.Length == 0 || q.Any(char.IsControl) || q.Any(char.IsWhiteSpace), yaml));
            if (g.TermTimeout is { } t) Assert.True(SecondsRange.TermTimeout.Contains(t.TotalSeconds), yaml);
            if (g.JobTimeout is { } j) Assert.True(SecondsRange.JobTimeout.Contains(j.TotalSeconds), yaml);
            if (g.Command is { } c) Assert.NotEmpty(ShellWords.Split(c)[0]);
            // The master's deadline arithmetic must not overflow.
            _ = DateTimeOffset.UtcNow + (g.TermTimeout ?? TimeSpan.Zero) + TimeSpan.FromHours(1) + (g.JobTimeout ?? TimeSpan.Zero);
        }
    }

    [Fact]
    public void A_few_generated_files_go_through_the_real_check_and_run()
    {
        var ran = 0;
        var rejected = 0;
        foreach (var (yaml, env) in ConfigFuzz.Generate(seed: 77, 400))
        {
            bool valid;
            try
            {
                var config = ConfigLoader.Parse(yaml, "pool.yml", "/x/pool.yml", null, env);
                valid = config.TotalWorkers <= 2 && config.Groups.All(g => g.Command is null);
            }
            catch (ConfigException)
            {
                valid = false;
            }
            if (valid ? ran >= 3 : rejected >= 3) continue;

            var (code, lines) = HostileInputTests.Check(yaml, env);
            if (!valid)
            {
                Assert.Equal(1, code);
                Assert.StartsWith("stderr: pool-master check: pool.yml", Assert.Single(lines));
                rejected++;
                continue;
            }
            Assert.Equal(0, code);
            using var run = MasterRun.Start(yaml, env: env);
            run.WaitForMasterLine("supervising");
            Assert.Equal(0, run.StopAndTime(Signum.SIGTERM, TimeSpan.FromSeconds(20)).Code);
            ran++;
            if (ran >= 3 && rejected >= 3) break;
        }
        Assert.Equal((3, 3), (ran, rejected));
    }
}

/// <summary>The generator: a few groups per file, each built from pieces drawn from lists of edge values.</summary>
internal static class ConfigFuzz
{
    private static readonly string[] Counts = ["0", "1", "2", "10000", "10001", "-1", "1.5", "2147483648", "99999999999999999999", "''", "x", "1e3", "0x10", "${N}", "${N:-1}", "${EMPTY:-2}"];
    private static readonly string[] Seconds = ["0", "0.001", "25", "86400", "86400.001", "86401", "99999999", "900000000000", "1e300", "-1", "NaN", "Infinity", "-0", "${T}", "${T:-5}"];
    private static readonly string[] Whole = ["1", "512", "1048576", "1048577", "2147483647", "2147483648", "0", "-5", "${N}"];
    private static readonly string[] Commands = ["\"bin/worker --fast\"", "\"echo 'unclosed\"", "\"''\"", "\"a\\\\\"", "\"\"", "\"${CMD}\"", "\"echo $$HOME\"", "'x \"y\" z'"];
    private static readonly string[] Keys =
        ["foo", "\"bar,baz\"", "\"*\"", "\"a,,b\"", "\"q\\0x\"", "\"q\\tx\"", "\"${Q}\"", "\"<<\"", "\"é,ü\"", "\"a,a\"", "\" sp\"", "\"x$$y\"", "\"" + new string('k', 1100) + "\""];
    private static readonly string[] Injections =
        ["1\nevil:\n  count: 1\n  command: \"touch PWNED\"", "1}\n{", "- a\n- b", "2 # comment", "\"3\"", "4\n---\nfoo: 1", "&a 1", "*a", "${N}", "[1, 2]", "", " 5 "];

    public static IEnumerable<(string Yaml, Dictionary<string, string?> Env)> Generate(int seed, int cases)
    {
        var random = new Random(seed);
        T Pick<T>(T[] from) => from[random.Next(from.Length)];
        for (var i = 0; i < cases; i++)
        {
            var env = new Dictionary<string, string?>
            {
                ["N"] = Pick(Injections), ["T"] = Pick(Seconds), ["Q"] = "foo", ["CMD"] = "sh -c 'touch PWNED'", ["EMPTY"] = "",
            };
            var yaml = new System.Text.StringBuilder();
            var groups = random.Next(1, 4);
            for (var g = 0; g < groups; g++)
            {
                // Mostly distinct plain keys, so that many files are valid; sometimes an odd one.
                var key = random.Next(4) == 0 ? Pick(Keys) : "q" + g.ToString(CultureInfo.InvariantCulture);
                if (random.Next(3) == 0)
                {
                    yaml.Append(key).Append(": ").Append(Pick(Counts)).Append('\n');
                    continue;
                }
                yaml.Append(key).Append(":\n  count: ").Append(random.Next(3) == 0 ? Pick(Counts) : "1").Append('\n');
                if (random.Next(2) == 0) yaml.Append("  term_timeout: ").Append(Pick(Seconds)).Append('\n');
                if (random.Next(3) == 0) yaml.Append("  job_timeout: ").Append(Pick(Seconds)).Append('\n');
                if (random.Next(4) == 0) yaml.Append("  memory_limit_mb: ").Append(Pick(Whole)).Append('\n');
                if (random.Next(4) == 0) yaml.Append("  max_jobs: ").Append(Pick(Whole)).Append('\n');
                if (random.Next(5) == 0) yaml.Append("  command: ").Append(Pick(Commands)).Append('\n');
            }
            switch (random.Next(12))
            {
                case 0: yaml.Append("production:\n  q0: ").Append(Pick(Counts)).Append('\n'); break;
                case 1: yaml.Append("---\nq9: 1\n"); break;
                case 2: yaml.Append("<<: {q8: 1}\n"); break;
                case 3: yaml.Append("# ${UNSET} in a comment\n"); break;
            }
            yield return (yaml.ToString(), env);
        }
    }
}
