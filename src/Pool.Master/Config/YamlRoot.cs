using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace Pool.Master.Config;

/// <summary>Parses pool.yml's YAML into its one top-level mapping, turning every YAML problem into a one-line <see cref="ConfigException"/>.</summary>
internal static class YamlRoot
{
    /// <summary>YAML's own limit on an implicit key; past it the scanner's message says nothing useful.</summary>
    private const int MaxKeyLength = 1024;

    /// <summary>The first line that opens an ERB tag other than a value (&lt;%=, which is named where the value is read), 1-based.</summary>
    private static int? ErbTagLine(string text)
    {
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var at = lines[i].IndexOf("<%", StringComparison.Ordinal);
            if (at >= 0 && !lines[i].AsSpan(at).StartsWith("<%=", StringComparison.Ordinal)) return i + 1;
        }
        return null;
    }

    public static YamlMappingNode Read(string text, string file)
    {
        var stream = new YamlStream();
        var parser = new TrackingParser(new Parser(new StringReader(text)));
        try
        {
            stream.Load(parser);
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's parser gives up this way (no position, no YAML message) on some broken
            // flow collections, such as `a: [1` with no closing bracket before the next key.
            throw new ConfigException(file, parser.LastLine, null,
                "invalid YAML at or after this line: a [ ] or { } collection is not closed, or the structure is broken; close the bracket, or fix the indentation, quotes and colons");
        }
        catch (AnchorNotFoundException e)
        {
            // Its position is where the document starts, and its message is ungrammatical: name the alias and its line.
            var alias = AliasName(e.Message);
            throw new ConfigException(file, alias is null ? null : AliasLine(text, alias), null,
                $"invalid YAML: the alias *{alias} refers to no anchor &{alias} defined before it; define the anchor above it, or write the value out");
        }
        catch (YamlException e)
        {
            var line = e.Start.Line > 0 ? (int)e.Start.Line : (int?)null;
            // resque-pool's ERB control flow (<% if ... %>) breaks the YAML before any value is read.
            if (ErbTagLine(text) is { } erbLine)
                throw new ConfigException(file, erbLine, null,
                    "ERB (<% ... %>) is not evaluated: Pool never runs code from its config; use environment sections (RAILS_ENV, RACK_ENV) instead of if/else, and ${VAR:-default} for values");
            if (LongKeyLine(text) is { } longLine)
                throw new ConfigException(file, longLine, null, $"a key is longer than {MaxKeyLength} characters, YAML's limit; shorten the queue list (split it into groups)");
            // YamlDotNet's messages end with a period; the hint follows after a semicolon.
            var problem = (e.InnerException?.Message ?? e.Message).Split('\n')[0].Trim().TrimEnd('.');
            // YamlDotNet places a tab in indentation at the start of the enclosing mapping, often line 1.
            if (problem.Contains("tab", StringComparison.OrdinalIgnoreCase) && TabIndentedLine(text) is { } tabLine)
                throw new ConfigException(file, tabLine, null, "a tab is used for indentation; YAML indents with spaces only, so replace the tab with spaces");
            var hint = problem.Contains("Duplicate key", StringComparison.OrdinalIgnoreCase)
                ? "each queue list may appear once per section; merge the two lines"
                : "fix the YAML syntax (check indentation, quotes and colons)";
            throw new ConfigException(file, line, null, $"invalid YAML: {problem}; {hint}");
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
            throw new ConfigException(file, null, null, "the file is empty; add at least one line such as `default: 1` (queue list: worker count)");
        if (stream.Documents.Count > 1)
            throw new ConfigException(file, ConfigValues.Line(stream.Documents[1].RootNode), null,
                "a second YAML document (after ---) would be ignored; keep one document, with environment sections for variants");
        if (stream.Documents[0].RootNode is not YamlMappingNode root)
            throw new ConfigException(file, ConfigValues.Line(stream.Documents[0].RootNode), null,
                "the top level must be a mapping of queue lists to worker counts, such as `default: 1`");
        return root;
    }

    /// <summary>The anchor's name in YamlDotNet's "The anchor 'NAME' does not exists" message.</summary>
    private static string? AliasName(string message)
    {
        var start = message.IndexOf('\'');
        var end = start < 0 ? -1 : message.IndexOf('\'', start + 1);
        return end > start + 1 ? message[(start + 1)..end] : null;
    }

    /// <summary>The first line (1-based) that uses *<paramref name="alias"/>, if any.</summary>
    private static int? AliasLine(string text, string alias)
    {
        var number = 0;
        foreach (var line in text.AsSpan().EnumerateLines())
        {
            number++;
            if (line.Contains("*" + alias, StringComparison.Ordinal)) return number;
        }
        return null;
    }

    /// <summary>Remembers where the last event it passed on ended, for errors that carry no position.</summary>
    private sealed class TrackingParser(IParser inner) : IParser
    {
        public ParsingEvent? Current => inner.Current;

        /// <summary>The line (1-based) on which the last parsed event ended; null before the first.</summary>
        public int? LastLine { get; private set; }

        public bool MoveNext()
        {
            var more = inner.MoveNext();
            if (inner.Current is { } parsed && parsed.End.Line > 0) LastLine = (int)parsed.End.Line;
            return more;
        }
    }

    /// <summary>The first line (1-based) whose leading whitespace holds a tab, if any.</summary>
    private static int? TabIndentedLine(string text)
    {
        var number = 0;
        foreach (var line in text.AsSpan().EnumerateLines())
        {
            number++;
            var indent = line[..(line.Length - line.TrimStart(" \t").Length)];
            if (indent.Contains('\t')) return number;
        }
        return null;
    }

    /// <summary>The first line whose key part (before ": ") is over the limit, if any.</summary>
    private static int? LongKeyLine(string text)
    {
        var number = 0;
        foreach (var line in text.AsSpan().EnumerateLines())
        {
            number++;
            if (line.Length <= MaxKeyLength) continue;
            var colon = line.IndexOf(": ", StringComparison.Ordinal);
            var keyLength = colon >= 0 ? colon : line.TrimEnd().EndsWith(":", StringComparison.Ordinal) ? line.TrimEnd().Length - 1 : line.Length;
            if (keyLength > MaxKeyLength) return number;
        }
        return null;
    }
}
