using System.CommandLine;
using System.CommandLine.Parsing;
using Pool.Cli;

namespace Pool.Master.Cli;

/// <summary>
/// A command line that does not parse is one line on stderr, as every other error is. By default
/// System.CommandLine prints one error per missing argument (`enqueue` alone printed the same
/// line twice) and then the whole help.
/// </summary>
internal static class UsageErrors
{
    /// <summary>Writes the line and returns the exit code when <paramref name="result"/> has errors; null when it parsed.</summary>
    public static int? Report(ParseResult result, TextWriter error)
    {
        // Help asked for is shown even when the rest does not parse (`enqueue --help` lacks enqueue's arguments).
        if (!ParseProblems.Any(result) || result.Action is OptionalArgumentsHelp) return null;
        var command = result.CommandResult.Command;
        if (CommandGroupProblem(result, command) is { } problem)
        {
            error.WriteLine($"{CommandPath(result.CommandResult)}: {problem}");
            return 1;
        }
        var missing = command.Arguments.Where(a => a.Arity.MinimumNumberOfValues > 0 && result.GetResult(a) is not { Tokens.Count: > 0 }).ToList();
        var problems = ParseProblems.Describe(result)
            .Where(m => missing.Count == 0 || !m.StartsWith("Required argument missing", StringComparison.Ordinal))
            .Prepend(missing.Count > 0 ? "missing " + string.Join(" and ", missing.Select(a => $"<{a.Name}>")) : null)
            .OfType<string>()
            .Distinct();
        var path = CommandPath(result.CommandResult);
        error.WriteLine($"{path}: {string.Join("; ", problems)}; usage: {$"{path} {Usage(command)}".TrimEnd()} (see {path} --help)");
        return 1;
    }

    /// <summary>
    /// Refuses a value of <paramref name="option"/> below <paramref name="min"/> at parse time. It
    /// reads the token: a value that does not parse is the parser's own error, and asking the
    /// option for its value there threw instead of reporting it.
    /// </summary>
    public static void AtLeast<T>(Option<T> option, long min) => option.Validators.Add(result =>
    {
        if (result.Tokens is [{ } token] && long.TryParse(token.Value, out var n) && n < min)
            result.AddError($"{option.Name} must be {min} or more, got {n}");
    });

    /// <summary>
    /// A group such as `delayed` given no command, or one it does not have (`delayed cancel low
    /// Echo x`): the parser's words were "Required command was not provided" and one
    /// "Unrecognized" per token, and never the commands there are. Null for any other command.
    /// </summary>
    private static string? CommandGroupProblem(ParseResult result, Command command)
    {
        if (command.Subcommands.Count == 0 || command.Action is not null) return null;
        var path = CommandPath(result.CommandResult);
        var commands = string.Join(", ", command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name));
        // An option before the command (`delayed --bogus`) is not what is missing.
        var typed = result.UnmatchedTokens.FirstOrDefault(t => !t.StartsWith('-'));
        var what = typed is null ? "a command is missing"
            : $"'{typed}' is not a command here" + (ParseProblems.Meant(result, typed) is { } meant ? $" (did you mean {meant}?)" : "");
        return $"{what}; the commands are {commands} (see {path} --help)";
    }

    private static string CommandPath(CommandResult result) =>
        result.Parent is CommandResult parent ? $"{CommandPath(parent)} {result.Command.Name}" : "pool-master";

    /// <summary>The arguments as the help's usage line shows them: [&lt;x&gt;] when optional, ... when repeated.</summary>
    internal static string Usage(Command command) => string.Join(' ', command.Arguments.Select(a =>
    {
        var label = $"<{a.Name}>" + (a.Arity.MaximumNumberOfValues > 1 ? "..." : "");
        return a.Arity.MinimumNumberOfValues == 0 ? $"[{label}]" : label;
    }));
}
