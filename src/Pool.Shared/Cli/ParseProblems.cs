using System.CommandLine;
using System.CommandLine.Help;
using Pool.Text;

namespace Pool.Cli;

/// <summary>
/// The parser's errors in words a user acts on, for the one-line usage errors of pool-master and
/// pool-worker: .NET type names become "a number", and a mistyped option or command gets the
/// nearest real one ("did you mean --concurrency?"). System.CommandLine has its own typo
/// corrections, but they are internal to it and printed only as a block of lines with the help.
/// </summary>
internal static partial class ParseProblems
{
    /// <summary>True when <paramref name="result"/> has errors that are not a request for help (`enqueue --help` lacks enqueue's arguments).</summary>
    public static bool Any(ParseResult result) => result.Errors.Count > 0 && result.Action is not HelpAction;

    /// <summary>Each error once, in plain words, a mistyped token with its likely meaning.</summary>
    public static IEnumerable<string> Describe(ParseResult result) => result.Errors
        .Select(e => WithSuggestion(InPlainWords(e.Message.TrimEnd('.')), result))
        .Distinct();

    /// <summary>
    /// "Cannot parse argument 'abc' for option '--term-timeout' as expected type
    /// 'System.Nullable`1[System.Double]'" names .NET's types; the user needs to hear "a number".
    /// </summary>
    public static string InPlainWords(string message) => ExpectedType().Replace(message, m => "as " + (m.Groups[1].Value switch
    {
        var t when t.Contains("Double", StringComparison.Ordinal) || t.Contains("Single", StringComparison.Ordinal) || t.Contains("Decimal", StringComparison.Ordinal) => "a number (e.g. 2.5)",
        var t when t.Contains("Int", StringComparison.Ordinal) => "a whole number",
        var t when t.Contains("Boolean", StringComparison.Ordinal) => "true or false",
        var t => "a value of type " + t,
    }));

    [System.Text.RegularExpressions.GeneratedRegex(@"as expected type '([^']+)'")]
    private static partial System.Text.RegularExpressions.Regex ExpectedType();

    /// <summary>Appends "(did you mean X?)" to an error about a token the parser did not match, when one name is close.</summary>
    private static string WithSuggestion(string message, ParseResult result)
    {
        var token = result.UnmatchedTokens.FirstOrDefault(t => message.Contains($"'{t}'", StringComparison.Ordinal));
        return token is not null && Meant(result, token) is { } meant ? $"{message} (did you mean {meant}?)" : message;
    }

    /// <summary>The option or subcommand <paramref name="token"/> most likely meant where it stood; null when none is close.</summary>
    public static string? Meant(ParseResult result, string token) =>
        // Not for a short token ('3', '-x'): one edit from it is any option at all.
        token.Length > 3 ? NearMiss.Closest(token, NamesValidAt(result.CommandResult.Command, token)) : null;

    /// <summary>What <paramref name="token"/> could have meant where it stood: an option of the command or of its parents (recursive ones), or a subcommand.</summary>
    private static IEnumerable<string> NamesValidAt(Command command, string token)
    {
        if (!token.StartsWith('-')) return command.Subcommands.Where(c => !c.Hidden).SelectMany(c => c.Aliases.Prepend(c.Name));
        var options = command.Options.AsEnumerable();
        for (var parent = command.Parents.OfType<Command>().FirstOrDefault(); parent is not null; parent = parent.Parents.OfType<Command>().FirstOrDefault())
            options = options.Concat(parent.Options.Where(o => o.Recursive));
        return options.Where(o => !o.Hidden).SelectMany(o => o.Aliases.Prepend(o.Name));
    }
}
