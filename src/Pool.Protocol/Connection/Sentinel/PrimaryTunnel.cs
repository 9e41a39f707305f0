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
/// written to a primary the sentinels have replaced once the switch is known here, nor, from the
/// moment a failover of it starts (<see cref="Hold"/>), until the sentinels either name another
/// primary or the hold runs out.
/// </summary>
internal sealed class PrimaryTunnel(string service, Func<Task<IPEndPoint?>> resolve, TimeProvider clock) : Tunnel
{
    /// <summary>How long a connect attempt waits for a failover to end before it fails (the multiplexer then tries again).</summary>
    private static readonly TimeSpan HoldPatience = TimeSpan.FromSeconds(2);

    private readonly Lock _gate = new();
    private readonly List<Socket> _sockets = [];
    private IPEndPoint? _primary;
    private DateTimeOffset _heldUntil;
    private TaskCompletionSource _released = Released();

    /// <summary>
    /// Makes <paramref name="primary"/> the target of every new socket and shuts the open ones to
    /// any other server. False when it already was the primary; <paramref name="previous"/> is
    /// the one it was before (null at first).
    /// </summary>
    public bool MoveTo(IPEndPoint primary, out IPEndPoint? previous)
    {
        List<Socket> stale;
        TaskCompletionSource released;
        lock (_gate)
        {
            previous = _primary;
            if (primary.Equals(_primary)) return false;
            _primary = primary;
            _heldUntil = default;
            released = _released;
            stale = TakeSockets();
        }
        released.TrySetResult();
        Cut(stale);
        return true;
    }

    /// <summary>
    /// A failover of <paramref name="primary"/> has begun (a sentinel selected the replica to
    /// promote): while it still is the primary here, its sockets are shut and none is opened to
    /// it for <paramref name="limit"/>, unless the sentinels name another primary sooner. A write
    /// it took after its replica's promotion could be confirmed by another replica that is about
    /// to resync from the promoted one, and be lost with it.
    /// </summary>
    public void Hold(IPEndPoint primary, TimeSpan limit)
    {
        List<Socket> stale;
        lock (_gate)
        {
            if (!primary.Equals(_primary)) return;
            if (!IsHeld()) _released = Released();
            _heldUntil = clock.GetUtcNow() + limit;
            stale = TakeSockets();
        }
        Cut(stale);
    }

    /// <summary>True while the current primary is held; under the lock.</summary>
    private bool IsHeld() => _heldUntil > clock.GetUtcNow();

    private static TaskCompletionSource Released() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private List<Socket> TakeSockets()
    {
        List<Socket> taken = [.. _sockets];
        _sockets.Clear();
        return taken;
    }

    /// <summary>
    /// Shutdown, not Dispose: the socket is the multiplexer's. Its read ends at once, it fails
    /// the commands still waiting on that socket (their callers retry), and reconnects.
    /// </summary>
    private static void Cut(List<Socket> stale)
    {
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
    }

    public override async ValueTask<EndPoint?> GetSocketConnectEndpointAsync(EndPoint endpoint, CancellationToken cancellationToken)
    {
        Task released;
        IPEndPoint? primary;
        bool held;
        lock (_gate)
        {
            primary = _primary;
            held = IsHeld();
            released = _released.Task;
        }
        // No primary known yet: ask the sentinels now rather than wait for the next poll.
        if (!held) return primary ?? await resolve().ConfigureAwait(false);
        // A failover is under way: wait a moment for its end rather than fail at once, since
        // the multiplexer may back off for seconds after a failed attempt.
        await Task.WhenAny(released, Task.Delay(HoldPatience, clock, cancellationToken)).ConfigureAwait(false);
        lock (_gate)
        {
            // Null means no socket: BeforeAuthenticateAsync then fails this attempt, and the
            // multiplexer tries again on its schedule.
            return IsHeld() ? null : _primary;
        }
    }

    public override ValueTask<Stream?> BeforeAuthenticateAsync(EndPoint endpoint, ConnectionType connectionType, Socket? socket, CancellationToken cancellationToken)
    {
        if (socket is null)
            throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, $"no primary of '{service}' to connect to: no sentinel names one yet, or a failover is under way");
        lock (_gate)
        {
            _sockets.RemoveAll(s => s.SafeHandle.IsClosed);
            // The primary may have moved, or its failover begun, while this socket connected: it must not be used.
            if (socket.RemoteEndPoint is not IPEndPoint remote || !Normalize(remote).Equals(_primary) || IsHeld())
                throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, $"the primary of '{service}' moved while connecting");
            _sockets.Add(socket);
        }
        return default;
    }

    private static IPEndPoint Normalize(IPEndPoint remote) =>
        remote.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(remote.Address.MapToIPv4(), remote.Port) : remote;

    public override string ToString() => "sentinel:" + service;
}
