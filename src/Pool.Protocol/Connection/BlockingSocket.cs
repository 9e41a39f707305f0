using System.Net;
using System.Net.Sockets;

namespace Pool.Protocol.Connection;

/// <summary>Opens the TCP connections that a thread of their own reads with blocking calls (see <see cref="BlockingPopConnection"/>).</summary>
internal static class BlockingSocket
{
    /// <summary>
    /// A connected socket that stays in blocking mode at the OS level: a blocking connect() bounded
    /// by SO_SNDTIMEO, which Linux applies to connect() too. Never a non-blocking connect, nor
    /// ConnectAsync: once .NET has made a socket's descriptor non-blocking (Blocking = false, or
    /// one async operation), Blocking = true no longer clears O_NONBLOCK, and .NET emulates each
    /// blocking read by registering the socket with its epoll thread: a reply woke the epoll
    /// thread, which woke the reading thread, two wake-ups where one will do (strace of an idle
    /// worker's hand-off: recvmsg returned EAGAIN, then epoll_ctl ADD and a futex wait).
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
            var left = Math.Max(1, deadline - Environment.TickCount64);
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, SendTimeout = (int)Math.Min(left, int.MaxValue) };
            try
            {
                try
                {
                    socket.Connect(address);
                }
                catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
                {
                    // SO_SNDTIMEO ran out: Linux answers a connect() it gave up on with EINPROGRESS.
                    throw new SocketException((int)SocketError.TimedOut);
                }
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
