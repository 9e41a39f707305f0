using System.Runtime.CompilerServices;
using System.Text;

namespace Pool.Worker.Iteration;

/// <summary>
/// The lines of a file with byte offsets as cursors, so a resumed run seeks straight to the next
/// line instead of re-reading the file. Reads bytes (not a StreamReader) because a reader's
/// buffering hides where a line ends in the file.
/// </summary>
internal sealed class LinesEnumeration(string path) : Enumeration<string, long>
{
    public override async IAsyncEnumerable<(string Item, long Next)> ReadAsync(Resume<long> from, [EnumeratorCancellation] CancellationToken token)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, useAsync: true);
        var offset = from.Or(0);
        file.Seek(offset, SeekOrigin.Begin);
        var buffer = new byte[64 * 1024];
        var line = new MemoryStream();
        int read;
        while ((read = await file.ReadAsync(buffer, token).ConfigureAwait(false)) > 0)
        {
            var start = 0;
            for (var i = 0; i < read; i++)
            {
                if (buffer[i] != (byte)'\n') continue;
                line.Write(buffer, start, i - start);
                offset += line.Length + 1;
                yield return (Decode(line), offset);
                line.SetLength(0);
                start = i + 1;
            }
            line.Write(buffer, start, read - start);
        }
        // A last line without a final newline is still a line.
        if (line.Length > 0) yield return (Decode(line), offset + line.Length);
    }

    private static string Decode(MemoryStream line)
    {
        var span = line.GetBuffer().AsSpan(0, (int)line.Length);
        if (span.Length > 0 && span[^1] == (byte)'\r') span = span[..^1];
        return Encoding.UTF8.GetString(span);
    }
}
