namespace Pool.Master.Cli.Commands;

/// <summary>
/// What a queue named on the command line must be, by the rule pool.yml's queue lists follow:
/// a name no worker could list in its QUEUES (a space, a comma, a control character) or longer
/// than pool.yml allows is refused before it reaches Redis.
/// </summary>
internal static class QueueNameRule
{
    /// <summary>pool.yml's limit on a key, so a queue named here can be named there too.</summary>
    public const int MaxLength = 1024;

    /// <summary>Why <paramref name="name"/> cannot be a queue, in one line; null when it can.</summary>
    public static string? Problem(string name)
    {
        if (name.Length == 0 || name.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c == ','))
            return $"queue name '{Pool.Logging.LogValueSanitizer.Clean(name, 80)}' is empty or has a space, comma or control character, so no worker could list it in QUEUES; use letters, digits, _ - : .";
        if (name.Length > MaxLength)
            return $"queue name of {name.Length:N0} characters is longer than pool.yml allows ({MaxLength:N0}), so no worker could list it; use a shorter name";
        return null;
    }
}
