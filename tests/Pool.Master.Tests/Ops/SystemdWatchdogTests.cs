using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Mono.Unix.Native;
using Pool.Master.Tests.Supervision;

namespace Pool.Master.Tests.Ops;

/// <summary>sd_notify through a real Unix datagram socket, as systemd's Type=notify with WatchdogSec sees it.</summary>
public sealed class SystemdWatchdogTests
{
    [Fact]
    public void With_WATCHDOG_USEC_the_master_pings_at_half_the_interval_after_ready_and_says_stopping_on_term()
    {
        var path = Path.Combine(Path.GetTempPath(), $"pool-wd-{Guid.NewGuid():N}.sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified) { ReceiveTimeout = 15000 };
        socket.Bind(new UnixDomainSocketEndPoint(path));
        try
        {
            // 600 ms limit: pings every 300 ms, faster than the 1 s housekeeping tick.
            using var run = MasterRun.Start("foo: 1\n", env: new Dictionary<string, string?>
            {
                ["NOTIFY_SOCKET"] = path, ["WATCHDOG_USEC"] = "600000", ["WATCHDOG_PID"] = null,
            });

            Assert.Equal("READY=1", Receive(socket));
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < 4; i++) Assert.Equal("WATCHDOG=1", Receive(socket));
            // First ping at once, then 3 x 300 ms: comfortably under the 1.8 s that 1 s ticks would need.
            Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(700), TimeSpan.FromMilliseconds(1700));

            run.Signal(Signum.SIGTERM);
            Wait(socket, "STOPPING=1");
            Assert.Equal(0, run.Master.WaitForExit(TimeSpan.FromSeconds(10)));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static string Receive(Socket socket)
    {
        var buffer = new byte[256];
        return Encoding.UTF8.GetString(buffer, 0, socket.Receive(buffer));
    }

    /// <summary>Watchdog pings may still arrive before the one we want.</summary>
    private static void Wait(Socket socket, string message)
    {
        var deadline = Stopwatch.StartNew();
        while (Receive(socket) != message)
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(10)) throw new TimeoutException("no " + message);
        }
    }
}
