using System.Net;
using System.Net.Sockets;

namespace Pool.Protocol.Connection;

/// <summary>Opens the TCP connections that a thread of their own reads with blocking calls (see <see cref="BlockingPopConnection"/>).</summary>
internal static class BlockingSocket
{
    /// <summary>
    /// A connected socket in blocking mode, by a non-blocking connect() and a poll for its end.
    /// Why not ConnectAsync with a timeout: on Linux, a socket that has run one async operation
    /// stays registered with the runtime's epoll thread, and its blocking reads are emulated
    /// through that thread: a reply woke the epoll thread, which woke this one. Measured in an
    /// experiment that ran each lane's reserve on this connection: 6.6 thread switches per job
    /// after ConnectAsync, 1.3 after this connect.
    /// </summary>
    public static Socket Connect(EndPoint endPoint, TimeSpan timeout)
    {
        IPEndPoint[] addresses = endPoint switch
        {
            IPEndPoint ip => [ip],
            DnsEndPoint dns => [.. Dns.GetHostAddresses(dns.Host).Select(a => new IPEndPoint(a, dns.Port))],
            _ => throw new ArgumentException($"unsupported endpoint {endPoint}", nameof(endPoint)),
        };
        if (addresses.Length == 0) throw new SocketException((int)SocketError.HostNotFound);
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        SocketException? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, Blocking = false };
            try
            {
                try
                {
                    socket.Connect(address);
                }
                catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
                {
                    var left = TimeSpan.FromMilliseconds(Math.Max(0, deadline - Environment.TickCount64));
                    if (!socket.Poll(left, SelectMode.SelectWrite)) throw new SocketException((int)SocketError.TimedOut);
                    var error = (SocketError)(int)socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error)!;
                    if (error != SocketError.Success) throw new SocketException((int)error);
                }
                socket.Blocking = true;
                return socket;
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
            }
        }
        throw last!;
    }
}
