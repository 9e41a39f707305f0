using Pool.Master.Cli;
using Pool.Master.Config;

namespace Pool.Master.Tests.Config;

public class ShellWordsTests
{
    [Theory]
    [InlineData("pool-worker", new[] { "pool-worker" })]
    [InlineData("  bundle exec  rake resque:work ", new[] { "bundle", "exec", "rake", "resque:work" })]
    [InlineData("sh -c 'echo a b'", new[] { "sh", "-c", "echo a b" })]
    [InlineData("echo \"a \\\"b\\\" c\"", new[] { "echo", "a \"b\" c" })]
    [InlineData("a\\ b c", new[] { "a b", "c" })]
    [InlineData("x '' y", new[] { "x", "", "y" })]
    public void Splits_like_a_shell_without_running_one(string line, string[] expected) =>
        Assert.Equal(expected, ShellWords.Split(line));

    [Fact]
    public void An_unterminated_quote_is_an_error() =>
        Assert.Throws<FormatException>(() => ShellWords.Split("echo 'oops"));
}
