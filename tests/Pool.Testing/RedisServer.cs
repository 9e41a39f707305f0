using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace Pool.Testing;

/// <summary>
/// A private redis-server on a free loopback port, in its own temp directory. Tests share one
/// per assembly and isolate themselves with a unique key namespace (see <see cref="NewNamespace"/>);
/// a test that restarts Redis starts its own instance. The same process handling serves the
/// replica and the sentinels of <see cref="SentinelCluster"/>.
/// </summary>
public sealed class RedisServer : IAsyncDisposable, IDisposable
{
    private Process? _process;
    private readonly string _program;
    private readonly IReadOnlyList<string> _args;
    private ConnectionMultiplexer? _connection;

    public int Port { get; }
    public string Directory { get; }
    public string Url => $"redis://127.0.0.1:{Port}";

    private RedisServer(int port, string directory, string program, IReadOnlyList<string> args)
    {
        Port = port;
        Directory = directory;
        _program = program;
        _args = args;
    }

    /// <summary>Starts redis-server and waits until it answers PING.</summary>
    public static RedisServer Start(bool appendOnly = false) =>
        Launch("redis-server", (port, dir) => ServerArgs(port, dir, appendOnly));

    /// <summary>Starts a redis-server that replicates the one on <paramref name="primaryPort"/>.</summary>
    public static RedisServer StartReplicaOf(int primaryPort) =>
        Launch("redis-server", (port, dir) => [.. ServerArgs(port, dir, appendOnly: false), "--replicaof", "127.0.0.1", primaryPort.ToString()]);

    /// <summary>
    /// Starts redis-sentinel watching the primary on <paramref name="primaryPort"/> as
    /// <paramref name="service"/>. Sentinel rewrites its config file, so each gets its own.
    /// </summary>
    public static RedisServer StartSentinel(string service, int primaryPort, int quorum) =>
        Launch("redis-sentinel", (port, dir) =>
        {
            var conf = Path.Combine(dir, "sentinel.conf");
            File.WriteAllLines(conf,
            [
                $"port {port}", "bind 127.0.0.1", $"dir {dir}", "daemonize no", "protected-mode no",
                $"sentinel monitor {service} 127.0.0.1 {primaryPort} {quorum}",
                // Short enough that a test's failover and the sentinels' view of it settle in seconds.
                $"sentinel down-after-milliseconds {service} 2000",
                $"sentinel failover-timeout {service} 4000",
            ]);
            return [conf];
        });

    private static RedisServer Launch(string program, Func<int, string, IReadOnlyList<string>> args)
    {
        var dir = Path.Combine(Path.GetTempPath(), "pool-redis-" + Guid.NewGuid().ToString("N")[..8]);
        System.IO.Directory.CreateDirectory(dir);
        var port = FreePort();
        var server = new RedisServer(port, dir, program, args(port, dir));
        server.StartProcess();
        return server;
    }

    private static string[] ServerArgs(int port, string dir, bool appendOnly) =>
    [
        "--port", port.ToString(), "--bind", "127.0.0.1", "--dir", dir,
        "--save", "", "--appendonly", appendOnly ? "yes" : "no",
        "--appendfsync", "always", "--protected-mode", "no", "--daemonize", "no",
        // A replica (re)joining syncs at once rather than after the default 5 s.
        "--repl-diskless-sync-delay", "0",
    ];

    /// <summary>A connection for the test's own reads and writes. Shared; do not dispose it.</summary>
    public ConnectionMultiplexer Connection =>
        _connection ??= ConnectionMultiplexer.Connect($"127.0.0.1:{Port},abortConnect=false,connectRetry=5,name=test");

    public IDatabase Db => Connection.GetDatabase();

    /// <summary>
    /// Creates (or resets) the ACL user "nopub", allowed every command and key but no pub/sub
    /// (some managed Redis hand out such users), and returns a URL that logs in as it.
    /// </summary>
    public string UrlWithoutPubSub()
    {
        Db.Execute("ACL", "SETUSER", "nopub", "reset", "on", ">pw", "~*", "&*", "+@all", "-@pubsub");
        return $"redis://nopub:pw@127.0.0.1:{Port}";
    }

    /// <summary>A fresh key namespace for one test, so tests can share a server.</summary>
    public static string NewNamespace(string prefix = "t") => prefix + Guid.NewGuid().ToString("N")[..10];

    /// <summary>Stops the server (SHUTDOWN, AOF kept when enabled) and starts it again on the same port.</summary>
    public void Restart()
    {
        Stop();
        StartProcess();
    }

    /// <summary>
    /// Restarts the server the graceful way: the SHUTDOWN command (Redis flushes and fsyncs its
    /// AOF, then closes every client, dropping replies not yet written), then a new server on the
    /// same directory and port, which reloads the AOF.
    /// </summary>
    public void ShutdownAndRestart()
    {
        Shutdown();
        StartProcess();
    }

    /// <summary>Sends SHUTDOWN on a connection of its own and waits for the process to exit.</summary>
    public void Shutdown()
    {
        if (_process is null) return;
        using (var client = new TcpClient())
        {
            client.Connect(IPAddress.Loopback, Port);
            using var stream = client.GetStream();
            stream.Write("SHUTDOWN\r\n"u8);
            // A successful SHUTDOWN answers nothing: the server closes the connection as it exits.
            try { while (stream.Read(new byte[64]) > 0) { } }
            catch (IOException) { }
        }
        if (!_process.WaitForExit(10_000)) throw new TimeoutException($"redis-server on port {Port} did not exit after SHUTDOWN");
        _process.Dispose();
        _process = null;
    }

    public void Stop()
    {
        if (_process is null) return;
        try
        {
            if (!_process.HasExited) _process.Kill();
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        _process.Dispose();
        _process = null;
    }

    private void StartProcess()
    {
        var psi = new ProcessStartInfo(_program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Directory,
        };
        foreach (var arg in _args) psi.ArgumentList.Add(arg);

        try
        {
            _process = Process.Start(psi) ?? throw new InvalidOperationException("redis-server did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException(
                $"{_program} is not installed; run scripts/test.sh (it installs it) or apt-get install -y {_program}", e);
        }
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        Wait.Until(() => CanPing(), TimeSpan.FromSeconds(10), $"{_program} did not answer on port {Port}");
    }

    private bool CanPing()
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, Port);
            using var stream = client.GetStream();
            stream.Write("PING\r\n"u8);
            var buffer = new byte[16];
            var read = stream.Read(buffer);
            // While loading the AOF Redis answers -LOADING; only +PONG means ready.
            return read >= 5 && buffer[0] == (byte)'+';
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>A TCP port that was free a moment ago.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        _connection?.Dispose();
        Stop();
        try { System.IO.Directory.Delete(Directory, recursive: true); }
        catch (IOException) { }
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>One redis-server for a whole test assembly; use it with [Collection] or IClassFixture.</summary>
public sealed class RedisFixture : IDisposable
{
    public RedisServer Server { get; } = RedisServer.Start();

    public void Dispose() => Server.Dispose();
}
