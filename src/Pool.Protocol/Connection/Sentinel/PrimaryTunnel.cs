using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;
using StackExchange.Redis.Configuration;

namespace Pool.Protocol.Connection.Sentinel;

/// <summary>
/// Points every socket of one multiplexer at the primary the sentinels name now. The multiplexer
/// itself knows a single logical endpoint (the service name) and never a server address, so it
/// cannot pick a stale primary; when the primary moves, <see cref="MoveTo"/> shuts the sockets
/// still open to the old one, and the multiplexer's reconnect lands on the new one. Nothing is
/// written to a primary the sentinels have replaced once the switch is known here.
/// </summary>
internal sealed class PrimaryTunnel(string service, Func<Task<IPEndPoint?>> resolve) : Tunnel
{
    private readonly Lock _gate = new();
    private readonly List<Socket> _sockets = [];
    private IPEndPoint? _primary;

    /// <summary>The primary new sockets connect to; null until the sentinels first name one.</summary>
    public IPEndPoint? Primary
    {
        get
        {
            lock (_gate) return _primary;
        }
    }

    /// <summary>
    /// Makes <paramref name="primary"/> the target of every new socket and shuts the open ones to
    /// any other server. False when it already was the primary; <paramref name="previous"/> is
    /// the one it was before (null at first).
    /// </summary>
    public bool MoveTo(IPEndPoint primary, out IPEndPoint? previous)
    {
        List<Socket> stale;
        lock (_gate)
        {
            previous = _primary;
            if (primary.Equals(_primary)) return false;
            _primary = primary;
            stale = [.. _sockets];
            _sockets.Clear();
        }
        // Shutdown, not Dispose: the socket is the multiplexer's. Its read ends at once, it fails
        // the commands still waiting on that socket (their callers retry), and reconnects.
        foreach (var socket in stale)
        {
            try
            {
                socket.Shutdown(SocketShutdown.Both);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // Already closed by the multiplexer: nothing to cut.
            }
        }
        return true;
    }

    public override async ValueTask<EndPoint?> GetSocketConnectEndpointAsync(EndPoint endpoint, CancellationToken cancellationToken) =>
        // No primary known: no socket; BeforeAuthenticateAsync then fails this attempt, and the
        // multiplexer tries again on its schedule.
        Primary ?? await resolve().ConfigureAwait(false);

    public override ValueTask<Stream?> BeforeAuthenticateAsync(EndPoint endpoint, ConnectionType connectionType, Socket? socket, CancellationToken cancellationToken)
    {
        if (socket is null)
            throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, $"no sentinel names a primary for '{service}' yet");
        lock (_gate)
        {
            _sockets.RemoveAll(s => s.SafeHandle.IsClosed);
            // The primary may have moved while this socket connected: it must not be used.
            if (socket.RemoteEndPoint is not IPEndPoint remote || !Normalize(remote).Equals(_primary))
                throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, $"the primary of '{service}' moved while connecting");
            _sockets.Add(socket);
        }
        return default;
    }

    private static IPEndPoint Normalize(IPEndPoint remote) =>
        remote.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(remote.Address.MapToIPv4(), remote.Port) : remote;

    public override string ToString() => "sentinel:" + service;
}
