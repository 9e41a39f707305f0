namespace Pool.Master.Tests.Config;

public sealed class RetryConfigTests
{
    [Fact]
    public void A_groups_retries_and_retry_delays_reach_its_workers_environment()
    {
        var group = ConfigLoaderTests.Parse("mail:\n  count: 1\n  retries: 5\n  retry_delays: [10, 60]\nother: 1\n").Groups;
        var env = new Dictionary<string, string>();
        group[0].Retries!.AddTo(env);

        Assert.Equal("5", env["POOL_RETRIES"]);
        Assert.Equal("10,60", env["POOL_RETRY_DELAYS"]);
        Assert.Null(group[1].Retries);
        Assert.Equal(0, ConfigLoaderTests.Parse("mail:\n  count: 1\n  retries: 0\n").Groups[0].Retries!.Retries);
    }

    [Theory]
    [InlineData("mail:\n  count: 1\n  retries: many\n", 3, "mail.retries", "whole number of retries")]
    [InlineData("mail:\n  count: 1\n  retries: -5\n", 3, "mail.retries", "-1: forever")]
    [InlineData("mail:\n  count: 1\n  retry_delays: 10\n", 3, "mail.retry_delays", "list of seconds")]
    [InlineData("mail:\n  count: 1\n  retry_delays: [10, soon]\n", 3, "mail.retry_delays[1]", "whole seconds")]
    public void Bad_retry_settings_name_the_line_and_key(string yaml, int line, string key, string problem)
    {
        var error = ConfigLoaderTests.Fails(yaml);

        Assert.Equal(line, error.Line);
        Assert.Equal(key, error.Key);
        Assert.Contains(problem, error.Message);
    }
}
