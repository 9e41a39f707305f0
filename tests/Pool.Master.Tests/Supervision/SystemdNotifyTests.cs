using System.Net.Sockets;
using System.Text;
using Mono.Unix.Native;

namespace Pool.Master.Tests.Supervision;

public sealed class SystemdNotifyTests
{
    private static string Receive(Socket socket)
    {
        var buffer = new byte[256];
        return Encoding.UTF8.GetString(buffer, 0, socket.Receive(buffer));
    }

    [Fact]
    public void Under_systemd_the_master_says_ready_once_its_workers_are_started_and_stopping_on_term()
    {
        var path = Path.Combine(Path.GetTempPath(), $"pool-notify-{Guid.NewGuid():N}.sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified) { ReceiveTimeout = 15000 };
        socket.Bind(new UnixDomainSocketEndPoint(path));
        try
        {
            using var run = MasterRun.Start("foo: 1\n", env: new Dictionary<string, string?> { ["NOTIFY_SOCKET"] = path });

            Assert.Equal("READY=1", Receive(socket));
            Assert.Single(run.Workers());
            run.Signal(Signum.SIGTERM);
            Assert.Equal("STOPPING=1", Receive(socket));
            Assert.Equal(0, run.Master.WaitForExit(TimeSpan.FromSeconds(5)));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
