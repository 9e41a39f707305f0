using System.Globalization;
using Pool.Worker.Jobs;

namespace Pool.Samples;

/// <summary>
/// Appends the wall clock at which it started, in microseconds since the Unix epoch (UTC), to
/// path: the bench's enqueue-to-start latency sampler compares it with the time it enqueued.
/// </summary>
public sealed class Stamp : IJob
{
    public void Perform(string path)
    {
        var micros = (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / 10;
        LineFile.Append(path, micros.ToString(CultureInfo.InvariantCulture));
    }
}
