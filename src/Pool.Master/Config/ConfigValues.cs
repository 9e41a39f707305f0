using YamlDotNet.RepresentationModel;

namespace Pool.Master.Config;

/// <summary>
/// The text of the scalars of one parsed pool.yml, with interpolation applied where it is allowed:
/// in values, yes; in keys and commands, only $$ (an environment value must never decide which
/// queues exist or what runs).
/// </summary>
internal sealed class ConfigValues(string file, IReadOnlyDictionary<string, string?> env)
{
    public string File { get; } = file;

    public ConfigPlace Place(YamlNode node, string? key) => new(File, Line(node), key);

    /// <summary>A key as written, $$ unescaped; a mapping or list as a key is an error.</summary>
    public string Key(YamlNode node)
    {
        if (node is not YamlScalarNode { Value: { } text })
            throw new ConfigException(File, Line(node), null, "keys must be plain queue lists such as \"foo,bar\"");
        if (text == "<<")
            throw new ConfigException(File, Line(node), text, "YAML merge keys (<<) are not supported; write the keys out");
        return Interpolation.Apply(text, env, new ConfigPlace(File, Line(node), text), variables: false);
    }

    /// <summary>
    /// A scalar value with ${VAR} expanded and trimmed; null when it has no text. A list or a
    /// mapping where one value belongs is an error of its own: "got ''" would hide what was written.
    /// </summary>
    public string? Value(YamlNode node, string key)
    {
        if (node is YamlSequenceNode or YamlMappingNode)
            throw Place(node, key).Error(NotOneValue(node, key));
        if (node is not YamlScalarNode { Value: { } text }) return null;
        // resque-pool's files often hold ERB; say what replaces it rather than that the value is no number.
        if (text.Contains("<%", StringComparison.Ordinal))
            throw Place(node, key).Error(ErbHint.Translate(text) is { } same
                ? $"ERB (<%= ... %>) is not evaluated: Pool never runs code from its config; write {same} instead, which reads the same variable"
                : "ERB (<%= ... %>) is not evaluated: Pool never runs code from its config; write ${VAR:-default} instead, e.g. ${WORKERS:-2} for <%= ENV['WORKERS'] || 2 %>");
        var value = Interpolation.Apply(text, env, Place(node, key), variables: true).Trim();
        // The key's own message ("has no worker count") would not say where the emptiness came from.
        if (value.Length == 0 && text.Contains("${", StringComparison.Ordinal))
            throw Place(node, key).Error($"'{ConfigException.Shorten(text)}' is empty once its variables are read (set, but to an empty string); give the variable a value, or a default with ${{VAR:-default}}");
        return value;
    }

    private static string NotOneValue(YamlNode node, string key)
    {
        var what = node is YamlSequenceNode ? "a list" : "a mapping";
        // resque-pool users reach for [MIN, MAX]; Pool's range is one scalar.
        return key.EndsWith(GroupOptions.Count, StringComparison.Ordinal) && node is YamlSequenceNode
            ? $"takes one value, not {what}; write a range of workers as MIN..MAX, e.g. count: 1..4"
            : $"takes one value, not {what}; write it plainly, without [ ] or {{ }}";
    }

    /// <summary>A command line: $$ only, no variables.</summary>
    public string? Literal(YamlNode node, string key) =>
        node is YamlScalarNode { Value: { } text } ? Interpolation.Apply(text, env, Place(node, key), variables: false).Trim() : null;

    public static int Line(YamlNode node) => (int)node.Start.Line;
}
