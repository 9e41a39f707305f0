using System.Net.Sockets;
using System.Text;

namespace Pool.Master.Processes;

/// <summary>
/// sd_notify(3) without libsystemd: one datagram to $NOTIFY_SOCKET per state ("READY=1",
/// "STOPPING=1", "WATCHDOG=1"). Best effort: outside systemd, or if the socket is gone, it does
/// nothing, because supervision must not depend on the service manager.
/// </summary>
internal sealed class SystemdNotifier
{
    private readonly string? _socketPath;

    public SystemdNotifier(IReadOnlyDictionary<string, string?> env)
    {
        var path = env.TryGetValue("NOTIFY_SOCKET", out var p) && !string.IsNullOrEmpty(p) ? p : null;
        // '@' names an abstract socket; the kernel wants a leading NUL instead.
        _socketPath = path is ['@', .. var rest] ? "\0" + rest : path;
        var forUs = !env.TryGetValue("WATCHDOG_PID", out var pid) || string.IsNullOrEmpty(pid)
            || pid == Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        // sd_watchdog_enabled(3): WATCHDOG_USEC is the limit; systemd's advice is to ping at half of it.
        if (forUs && env.TryGetValue("WATCHDOG_USEC", out var usec)
            && long.TryParse(usec, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var us) && us > 0)
        {
            WatchdogInterval = TimeSpan.FromMicroseconds(us / 2.0);
        }
    }

    /// <summary>How often to send WATCHDOG=1 (half of WATCHDOG_USEC), or null when systemd does not ask for it.</summary>
    public TimeSpan? WatchdogInterval { get; }

    public bool Notify(string state)
    {
        if (_socketPath is null) return false;
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            socket.Connect(new UnixDomainSocketEndPoint(_socketPath));
            socket.Send(Encoding.UTF8.GetBytes(state));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
