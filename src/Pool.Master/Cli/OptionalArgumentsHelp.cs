using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace Pool.Master.Cli;

/// <summary>
/// The help's list of commands shows every argument as &lt;name&gt;, so `pause &lt;queues&gt;` read as
/// if the queues were required. This help writes the default help and marks optional arguments
/// [name] in that list, as the usage line already does (same width, so the columns stay aligned).
/// </summary>
internal sealed class OptionalArgumentsHelp(HelpAction inner) : SynchronousCommandLineAction
{
    public static void Install(RootCommand root)
    {
        var help = root.Options.OfType<HelpOption>().Single();
        if (help.Action is HelpAction inner) help.Action = new OptionalArgumentsHelp(inner);
    }

    public override int Invoke(ParseResult parseResult)
    {
        var output = parseResult.InvocationConfiguration.Output;
        var text = new StringWriter();
        parseResult.InvocationConfiguration.Output = text;
        int code;
        try { code = inner.Invoke(parseResult); }
        finally { parseResult.InvocationConfiguration.Output = output; }
        output.Write(MarkOptional(text.ToString(), parseResult.CommandResult.Command));
        return code;
    }

    internal static string MarkOptional(string help, Command command)
    {
        foreach (var sub in command.Subcommands)
        {
            var listed = $"  {sub.Name} {string.Join(' ', sub.Arguments.Select(a => $"<{a.Name}>"))}";
            var marked = $"  {sub.Name} {string.Join(' ', sub.Arguments.Select(a => a.Arity.MinimumNumberOfValues == 0 ? $"[{a.Name}]" : $"<{a.Name}>"))}";
            if (listed != marked) help = help.Replace(listed + " ", marked + " ", StringComparison.Ordinal);
        }
        return help;
    }
}
