using System.Runtime.CompilerServices;

namespace Pool.Protocol.Scripts;

/// <summary>
/// Loads the protocol's scripts (reading them and hashing each with SHA1, which loads OpenSSL)
/// on the thread pool, so a starting worker does it while its Redis connections are being made
/// instead of after them, on the way from a respawn to its first reserve.
/// </summary>
public static class ScriptWarmup
{
    public static Task StartAsync() => Task.Run(() => RuntimeHelpers.RunClassConstructor(typeof(PoolScripts).TypeHandle));
}
