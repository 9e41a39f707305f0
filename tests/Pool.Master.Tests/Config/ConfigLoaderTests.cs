using Pool.Master.Config;

namespace Pool.Master.Tests.Config;

public class ConfigLoaderTests
{
    private static readonly Dictionary<string, string?> NoEnv = new();

    internal static PoolConfig Parse(string yaml, string? environment = null, Dictionary<string, string?>? env = null) =>
        ConfigLoader.Parse(yaml, "pool.yml", "/x/pool.yml", environment, env ?? NoEnv);

    internal static ConfigException Fails(string yaml, Dictionary<string, string?>? env = null) =>
        Assert.Throws<ConfigException>(() => Parse(yaml, env: env));

    [Fact]
    public void Reads_resque_pool_style_queue_lists_and_counts_in_file_order()
    {
        var config = Parse("foo: 1\n\"bar,baz\": 2\n\"*\": 3\n");

        Assert.Equal(["foo", "bar,baz", "*"], config.Groups.Select(g => g.QueueList));
        Assert.Equal([1, 2, 3], config.Groups.Select(g => g.Count));
        Assert.Equal(["bar", "baz"], config.Groups[1].Queues);
        Assert.Equal(6, config.TotalWorkers);
    }

    [Fact]
    public void Trims_spaces_around_queue_names()
    {
        var config = Parse("\"high, low\": 1\n");
        Assert.Equal(["high", "low"], config.Groups[0].Queues);
    }

    [Fact]
    public void Merges_the_selected_environment_section_over_the_defaults()
    {
        const string yaml = "foo: 1\nbar: 2\nproduction:\n  foo: 5\n  \"baz,qux\": 3\ndevelopment:\n  foo: 0\n";

        var production = Parse(yaml, "production");
        var development = Parse(yaml, "development");
        var none = Parse(yaml);

        Assert.Equal([("foo", 5), ("bar", 2), ("baz,qux", 3)], production.Groups.Select(g => (g.QueueList, g.Count)));
        Assert.Equal([("foo", 0), ("bar", 2)], development.Groups.Select(g => (g.QueueList, g.Count)));
        Assert.Equal([("foo", 1), ("bar", 2)], none.Groups.Select(g => (g.QueueList, g.Count)));
    }

    [Fact]
    public void Reads_the_extended_group_form()
    {
        var config = Parse("crunch:\n  count: 3\n  term_timeout: 120\n  memory_limit_mb: 512\n  max_jobs: 1000\n  command: \"bin/worker --fast\"\n");

        var group = Assert.Single(config.Groups);
        Assert.Equal(3, group.Count);
        Assert.Equal(TimeSpan.FromSeconds(120), group.TermTimeout);
        Assert.Equal(512, group.MemoryLimitMb);
        Assert.Equal(1000, group.MaxJobs);
        Assert.Equal("bin/worker --fast", group.Command);
        Assert.Equal(1, group.Line);
    }

    [Fact]
    public void Interpolates_variables_defaults_and_dollar_escapes_before_parsing()
    {
        var env = new Dictionary<string, string?> { ["N"] = "4", ["EMPTY"] = "" };
        var config = Parse("\"*\": ${N}\nfoo: ${MISSING:-2}\nbar: ${EMPTY:-7}\nbaz:\n  count: 1\n  command: \"echo $$HOME\"\n", env: env);

        Assert.Equal([4, 2, 7, 1], config.Groups.Select(g => g.Count));
        Assert.Equal("echo $HOME", config.Groups[3].Command);
    }

    [Fact]
    public void An_unset_variable_without_a_default_names_the_variable_and_the_line()
    {
        var error = Fails("foo: 1\nbar: ${WORKERS}\n");
        Assert.Equal(2, error.Line);
        Assert.Contains("WORKERS", error.Message);
        Assert.Contains("pool.yml:2", error.Message);
    }

    [Theory]
    [InlineData("foo: -1\n", 1, "foo", "negative")]
    [InlineData("foo: 1\nbar: two\n", 2, "bar", "whole number")]
    [InlineData("foo: 1.5\n", 1, "foo", "whole number")]
    [InlineData("\"foo,,bar\": 1\n", 1, "foo,,bar", "empty queue name")]
    [InlineData("\",\": 1\n", 1, ",", "empty queue name")]
    [InlineData("foo:\n  count: 1\n  bogus: 2\n", 3, "foo.bogus", "unknown option")]
    [InlineData("foo:\n  term_timeout: 5\n", 1, "foo", "no count")]
    [InlineData("foo:\n  count: 1\n  term_timeout: soon\n", 3, "foo.term_timeout", "seconds")]
    [InlineData("foo:\n  count: 1\n  memory_limit_mb: 0\n", 3, "foo.memory_limit_mb", "from 1 to")]
    [InlineData("foo: 1\n\"foo\": 2\n", 2, null, "Duplicate key")]
    [InlineData("foo: 1\n\" foo\": 2\n", 2, " foo", "duplicate group")]
    [InlineData("foo: [1\n", 2, null, "invalid YAML")]
    // YamlDotNet's parser throws a bare InvalidOperationException on these (no position, no YAML message).
    [InlineData("foo: [1\nbar: 2\n", 1, null, "collection is not closed")]
    [InlineData("foo: {a\nb: 2\n", 1, null, "collection is not closed")]
    [InlineData("default: 1\nbar: [2,\n  3\nbaz: 1\n", 2, null, "collection is not closed")]
    [InlineData("a: 1\nb: 2\nc: *nope\n", 3, null, "the alias *nope refers to no anchor &nope")]
    [InlineData("foo:\n", 1, "foo", "no worker count")]
    [InlineData("production:\n  staging:\n    foo: 1\n", 2, "production.staging", "cannot nest")]
    [InlineData("default: 1\nfoo:\n\tcount: 2\n", 3, null, "a tab is used for indentation")]
    [InlineData("default: 1\nfoo:\n  count: 2\n  \tterm_timeout: 3\n", 4, null, "a tab is used for indentation")]
    [InlineData("default: 1\ncrunch:\n  cont: 3\n  term_timeout: 120\n", 3, "crunch.cont", "did you mean count?")]
    [InlineData("default: 1\nfoo: <%= ENV['N'] || 2 %>\n", 2, "foo", "write ${N:-2} instead")]
    [InlineData("default: 1\nfoo: <%= ENV[\"STAR_WORKERS\"] %>\n", 2, "foo", "write ${STAR_WORKERS} instead")]
    [InlineData("default: 1\nfoo: <%= ENV.fetch('N', '3').to_i %>\n", 2, "foo", "write ${N:-3} instead")]
    [InlineData("default: 1\nfoo: <%= ENV.fetch('N') { 4 } %>\n", 2, "foo", "write ${N:-4} instead")]
    [InlineData("default: 1\nfoo: <%= [ENV['N'].to_i, 1].max %>\n", 2, "foo", "write ${VAR:-default} instead")]
    [InlineData("foo:\n  count: 1\n  term_timeout: <%= 30 %>\n", 3, "foo.term_timeout", "ERB (<%= ... %>) is not evaluated")]
    [InlineData("<% if ENV['BIG'] %>\nfoo: 4\n<% else %>\nfoo: 1\n<% end %>\n", 1, null, "use environment sections (RAILS_ENV, RACK_ENV) instead of if/else")]
    public void Rejects_bad_input_with_the_line_the_key_and_a_fix(string yaml, int line, string? key, string problem)
    {
        var error = Fails(yaml);

        Assert.Equal(line, error.Line);
        Assert.Equal(key, error.Key);
        Assert.Contains(problem, error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.StartsWith("pool.yml:", error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("# only a comment\n")]
    public void An_empty_file_is_a_clear_error(string yaml)
    {
        var error = Fails(yaml);
        Assert.Contains("empty", error.Message);
    }

    [Fact]
    public void A_top_level_list_is_rejected_with_a_hint()
    {
        var error = Fails("- foo\n- bar\n");
        Assert.Contains("mapping of queue lists", error.Message);
    }

    [Fact]
    public void A_missing_file_names_the_path_and_the_flag()
    {
        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Load("/nonexistent/pool.yml", null, NoEnv));
        Assert.Contains("/nonexistent/pool.yml", error.Message);
        Assert.Contains("--config", error.Message);
    }

    [Fact]
    public void A_yaml_error_reads_as_one_sentence_then_the_hint()
    {
        Assert.DoesNotContain(".;", Fails("foo: [1\n").Message);
    }

    [Theory]
    [InlineData("cont")]
    [InlineData("coutn")]
    [InlineData("Count")]
    public void A_section_key_that_looks_like_count_is_a_warning_naming_line_and_key(string typo)
    {
        var config = Parse($"default: 1\ncrunch:\n  {typo}: 3\n");
        var warning = Assert.Single(config.Warnings);
        Assert.StartsWith($"pool.yml:3: key 'crunch.{typo}': looks like the group option count", warning);
    }

    [Fact]
    public void A_plain_environment_section_has_no_warnings()
    {
        Assert.Empty(Parse("foo: 1\nproduction:\n  foo: 5\n  \"mailers,low\": 2\n").Warnings);
    }

    [Theory]
    [InlineData("foo: 1\nproduction:\n  foo: 5\n", "production")]
    [InlineData("foo: 1\n", "production")]
    [InlineData("foo: 1\nproduction:\n  foo: 5\n", null)]
    public void An_environment_that_selects_a_section_or_a_flat_file_has_no_warning(string yaml, string? environment)
    {
        Assert.Empty(Parse(yaml, environment).Warnings);
    }

    [Fact]
    public void A_value_a_variable_left_empty_names_the_variable()
    {
        var error = Fails("foo: ${X}\n", new Dictionary<string, string?> { ["X"] = "" });
        Assert.Contains("key 'foo': '${X}' is empty once its variables are read", error.Message);
    }

    [Fact]
    public void A_schedule_key_with_a_count_is_a_group_and_a_warning()
    {
        var config = Parse("foo: 1\nschedule: 5\n");
        Assert.Equal(["foo", "schedule"], config.Groups.Select(g => g.Key));
        Assert.StartsWith("pool.yml:2: key 'schedule': read as a group for a queue named 'schedule'", Assert.Single(config.Warnings));
    }

    [Fact]
    public void An_environment_no_section_is_named_for_is_a_warning_naming_the_sections()
    {
        var warning = Assert.Single(Parse("foo: 1\ndevelopment:\n  foo: 2\nproduction:\n  foo: 5\n", "prodution").Warnings);
        Assert.StartsWith("pool.yml: no section is named for the environment 'prodution' (sections: development, production)", warning);
        // It names what selected the environment, as the refusal of a file that would run nothing does,
        // rather than a list of six places to look.
        Assert.Contains("It came from --environment prodution: check its spelling", warning);
        var fromRails = Assert.Single(Parse("foo: 1\nproduction:\n  foo: 5\n", "staging", new Dictionary<string, string?> { ["RAILS_ENV"] = "staging" }).Warnings);
        Assert.Contains("It came from RAILS_ENV=staging: check its spelling", fromRails);
    }

    /// <summary>DOTNET_ENVIRONMENT is "Production" by .NET's convention, RAILS_ENV "production" by Rails's: the section is found either way.</summary>
    [Fact]
    public void An_environment_selects_the_section_whose_name_differs_only_in_case_unless_that_is_ambiguous()
    {
        var config = Parse("foo: 1\nproduction:\n  foo: 5\n", "Production");
        Assert.Equal(5, Assert.Single(config.Groups).Count);
        Assert.Empty(config.Warnings);

        var ambiguous = Parse("foo: 1\nproduction:\n  foo: 5\nPRODUCTION:\n  foo: 7\n", "Production");
        Assert.Equal(1, Assert.Single(ambiguous.Groups).Count);
        Assert.Contains("no section is named for the environment 'Production'", Assert.Single(ambiguous.Warnings));
    }

    [Fact]
    public void Sections_only_and_no_environment_is_a_warning_that_nothing_runs()
    {
        var config = Parse("development:\n  a: 1\nproduction:\n  a: 2\n");
        Assert.Empty(config.Groups);
        Assert.Contains("no environment is selected, so the sections (development, production) are not used", Assert.Single(config.Warnings));
    }

    /// <summary>
    /// resque-pool merges only the section named for the environment, so under RAILS_ENV=production
    /// a file whose groups are all in a misspelt `producton:` ran no worker, and so did Pool's, with
    /// only a warning that `check` passed. It is an error now, naming what selected the environment.
    /// </summary>
    [Fact]
    public void An_environment_that_selects_no_section_where_only_sections_have_groups_is_an_error_naming_its_source_and_the_fix()
    {
        var rails = new Dictionary<string, string?> { ["RAILS_ENV"] = "production" };
        var error = Assert.Throws<ConfigException>(() => Parse("producton:\n  mail: 3\n", "production", rails));
        Assert.Equal("pool.yml: the environment 'production' (RAILS_ENV=production) selects no section (sections: producton) and the file has no group at the top level, so no worker would run; " +
            "rename the section 'producton:' to 'production:' (or, if 'production' is the typo, fix RAILS_ENV)", error.Message);

        // From -E, with no near miss: every section is listed, and the other ways out are named.
        error = Assert.Throws<ConfigException>(() => Parse("development:\n  mail: 1\nstaging:\n  mail: 2\nschedule:\n  x:\n    every: 1m\n    queue: mail\n", "production"));
        Assert.StartsWith("pool.yml: the environment 'production' (--environment production) selects no section (sections: development, staging)", error.Message);
        Assert.EndsWith("add a section 'production:', select one of the sections with --environment (or POOL_ENV, DOTNET_ENVIRONMENT, RAILS_ENV, RACK_ENV, RESQUE_ENV), or put the groups at the top level", error.Message);

        // Two sections that differ only in case select neither.
        error = Assert.Throws<ConfigException>(() => Parse("production:\n  a: 1\nPRODUCTION:\n  a: 2\n", "Production"));
        Assert.Contains("the sections production and PRODUCTION differ only in case", error.Message);
    }

    /// <summary>Files with no worker for other reasons behave as before: only the narrow case above is refused.</summary>
    [Theory]
    [InlineData("foo: 0\nproducton:\n  foo: 3\n", "production", "no section is named for the environment 'production'")]
    [InlineData("foo: 1\nproducton:\n  foo: 3\n", "production", "no section is named for the environment 'production'")]
    [InlineData("development:\n  a: 1\nproduction:\n  a: 2\n", null, "no environment is selected")]
    [InlineData("foo: 0\n", "production", null)]
    [InlineData("mail: 3\n", "production", null)]
    [InlineData("foo: 1\nproduction:\n  foo: 0\n", "production", null)]
    [InlineData("production:\n  foo: 0\n", "production", null)]
    public void Other_files_with_no_worker_or_no_section_are_accepted_as_before(string yaml, string? environment, string? warning)
    {
        var config = Parse(yaml, environment, new Dictionary<string, string?> { ["RAILS_ENV"] = environment });
        if (warning is null) Assert.Empty(config.Warnings);
        else Assert.Contains(warning, Assert.Single(config.Warnings));
    }
}
