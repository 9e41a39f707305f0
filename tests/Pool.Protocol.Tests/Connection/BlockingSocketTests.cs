using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Pool.Protocol.Connection;

namespace Pool.Protocol.Tests.Connection;

/// <summary>The idle wait's socket, against real loopback listeners and the kernel's own view of the descriptor.</summary>
public sealed class BlockingSocketTests
{
    private const int NonBlockingFlag = 0x800; // O_NONBLOCK on Linux (04000 octal)

    [Fact]
    public void The_connected_descriptor_is_blocking_in_the_kernel_so_a_read_waits_there_and_not_on_the_runtime_epoll_thread()
    {
        using var listener = Listen(backlog: 8);
        using var socket = BlockingSocket.Connect(listener.LocalEndPoint!, TimeSpan.FromSeconds(5));
        using var accepted = listener.Accept();

        Assert.True(socket.Connected);
        Assert.Equal(0, KernelFlags(socket) & NonBlockingFlag);
        // A blocking read of bytes that arrive later still gets them, and leaves the descriptor blocking.
        accepted.Send("+PONG\r\n"u8.ToArray());
        var buffer = new byte[16];
        socket.ReceiveTimeout = 5000;
        Assert.Equal(7, socket.Receive(buffer));
        Assert.Equal(0, KernelFlags(socket) & NonBlockingFlag);
    }

    [Fact]
    public void A_connect_the_server_never_answers_fails_as_timed_out_within_about_its_timeout()
    {
        // A listener that never accepts, with its queue filled: the kernel drops the next SYN, so a
        // connect() waits for an answer that never comes.
        using var listener = Listen(backlog: 0);
        var fillers = new List<Socket>();
        try
        {
            var started = Environment.TickCount64;
            SocketException? timedOut = null;
            while (timedOut is null && fillers.Count < 16)
            {
                try
                {
                    fillers.Add(BlockingSocket.Connect(listener.LocalEndPoint!, TimeSpan.FromMilliseconds(300)));
                }
                catch (SocketException e)
                {
                    timedOut = e;
                }
            }
            var elapsed = Environment.TickCount64 - started;

            Assert.NotNull(timedOut);
            Assert.Equal(SocketError.TimedOut, timedOut.SocketErrorCode);
            Assert.InRange(elapsed, 250, 5_000);
        }
        finally
        {
            foreach (var filler in fillers) filler.Dispose();
        }
    }

    private static Socket Listen(int backlog)
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(backlog);
        return listener;
    }

    /// <summary>The descriptor's open flags as the kernel holds them (the "flags:" line of /proc/self/fdinfo, octal).</summary>
    private static int KernelFlags(Socket socket)
    {
        var fd = socket.SafeHandle.DangerousGetHandle().ToInt32();
        var line = File.ReadLines($"/proc/self/fdinfo/{fd}").Single(l => l.StartsWith("flags:", StringComparison.Ordinal));
        return Convert.ToInt32(line["flags:".Length..].Trim(), 8);
    }
}
