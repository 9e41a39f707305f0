using System.Text;

namespace Pool.Master.Config;

/// <summary>
/// Splits a command line into argv the way a POSIX shell splits words (quotes and backslashes),
/// without running a shell: no globbing, no variables, no pipes.
/// </summary>
public static class ShellWords
{
    public static IReadOnlyList<string> Split(string commandLine)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        var inWord = false;
        char? quote = null;

        for (var i = 0; i < commandLine.Length; i++)
        {
            var c = commandLine[i];
            if (quote == '\'')
            {
                if (c == '\'') quote = null;
                else current.Append(c);
            }
            else if (quote == '"')
            {
                if (c == '"') quote = null;
                else if (c == '\\' && i + 1 < commandLine.Length && "\"\\$`".Contains(commandLine[i + 1]))
                    current.Append(commandLine[++i]);
                else current.Append(c);
            }
            else if (c is '\'' or '"')
            {
                quote = c;
                inWord = true;
            }
            else if (c == '\\' && i + 1 < commandLine.Length)
            {
                current.Append(commandLine[++i]);
                inWord = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord) words.Add(current.ToString());
                current.Clear();
                inWord = false;
            }
            else
            {
                current.Append(c);
                inWord = true;
            }
        }

        if (quote is not null)
            throw new FormatException($"unterminated {quote} quote in command: {commandLine}");
        if (inWord) words.Add(current.ToString());
        return words;
    }
}
