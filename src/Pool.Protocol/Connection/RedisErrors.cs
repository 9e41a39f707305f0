namespace Pool.Protocol.Connection;

/// <summary>Redis client errors shortened for a log line.</summary>
internal static class RedisErrors
{
    /// <summary>Where StackExchange.Redis starts the diagnostics it appends to a timeout (counters, thread pool, a link): a kilobyte a line.</summary>
    private static readonly string[] DiagnosticsStart = [", command=", ", last: ", ", origin: ", " (Please take a look"];

    /// <summary>The first line of <paramref name="e"/>'s message, without the client's appended diagnostics.</summary>
    public static string Brief(Exception e)
    {
        var line = e.Message.Split('\n')[0].TrimEnd();
        foreach (var marker in DiagnosticsStart)
        {
            var at = line.IndexOf(marker, StringComparison.Ordinal);
            if (at > 0) line = line[..at];
        }
        return line;
    }
}
