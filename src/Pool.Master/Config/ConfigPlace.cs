namespace Pool.Master.Config;

/// <summary>Where in pool.yml a value sits (file, line, dotted key), so every error can name it.</summary>
internal readonly record struct ConfigPlace(string File, int? Line, string? Key)
{
    public ConfigException Error(string problem) => new(File, Line, Key, problem);
}
