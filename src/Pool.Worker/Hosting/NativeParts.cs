using Mono.Unix.Native;

namespace Pool.Worker.Hosting;

/// <summary>
/// Mono.Unix's native half (libMono.Unix.so) must sit beside the program. A Native AOT worker
/// app copied without it reached "Worker ready" and crashed 20 ms later on its first call into
/// it, over and over under its master; now it says so at start, and `--check` does too.
/// </summary>
internal static class NativeParts
{
    /// <summary>Null when the native library loads; else one line that says what to ship.</summary>
    public static string? Missing()
    {
        try
        {
            // A pure conversion, answered by the native library (Mono_Posix_FromSignum).
            _ = NativeConvert.FromSignum(Signum.SIGTERM);
            return null;
        }
        catch (DllNotFoundException)
        {
            var program = Path.GetFileName(Environment.ProcessPath) ?? "the worker";
            return $"cannot load libMono.Unix.so, the native library of Mono.Unix (signals, process groups): ship it beside {program}; copy the whole publish folder, not the binary alone";
        }
    }
}
