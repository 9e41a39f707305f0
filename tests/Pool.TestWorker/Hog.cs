namespace Pool.TestWorker;

/// <summary>Holds a given number of MiB resident, page by page, for the memory-limit tests.</summary>
internal static class Hog
{
    private static readonly List<byte[]> Held = [];

    public static void Allocate(int megabytes)
    {
        for (var i = 0; i < megabytes; i++)
        {
            var block = new byte[1024 * 1024];
            // Touch every page so it counts in VmRSS.
            for (var p = 0; p < block.Length; p += 4096) block[p] = 1;
            Held.Add(block);
        }
    }
}
