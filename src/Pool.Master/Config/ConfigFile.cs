using System.Text;

namespace Pool.Master.Config;

/// <summary>
/// Reads pool.yml with a size limit. A pool file is a few hundred bytes; one of megabytes is a
/// mistake (a log or a dump passed as --config), and parsing it would cost the master seconds
/// and gigabytes, so it is refused before it is read.
/// </summary>
internal static class ConfigFile
{
    /// <summary>1 MiB: about 50,000 groups, far beyond any real pool.</summary>
    public const int MaxBytes = 1024 * 1024;

    public static string Read(string path, string file)
    {
        if (Directory.Exists(path))
            throw new ConfigException(file, null, null, "is a directory, not a file; pass the path of pool.yml itself with --config PATH or POOL_CONFIG");
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            // Read one byte past the limit, so a file that grows while it is read is still refused.
            var buffer = new byte[MaxBytes + 1];
            var length = 0;
            int read;
            while (length < buffer.Length && (read = stream.Read(buffer, length, buffer.Length - length)) > 0) length += read;
            if (length > MaxBytes) throw TooLarge(file);
            return new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(buffer, 0, length).TrimStart('\uFEFF');
        }
        catch (DecoderFallbackException)
        {
            throw new ConfigException(file, null, null, "is not UTF-8 text; save pool.yml as UTF-8");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException(file, null, null, $"cannot read the file ({e.Message}); fix the path where it is given (--config, POOL_CONFIG or RESQUE_POOL_CONFIG), or make the file readable by this user");
        }
    }

    public static ConfigException TooLarge(string file) =>
        new(file, null, null, $"is larger than {MaxBytes / 1024} KiB, the most Pool reads; a pool.yml is a list of queue lists and counts, so check that --config names the right file");
}
