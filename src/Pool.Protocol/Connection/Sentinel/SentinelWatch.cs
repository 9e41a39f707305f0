using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using StackExchange.Redis;

namespace Pool.Protocol.Connection.Sentinel;

/// <summary>
/// Keeps one Redis connection on the primary the sentinels name, and moves it within a second
/// of a failover. StackExchange.Redis's own Sentinel mode keeps the old primary and the promoted
/// replica as two endpoints of one connection and goes on writing to the old primary until
/// Sentinel demotes it (about 10 s after SENTINEL FAILOVER; measured). Here the connection knows
/// only the service name, a <see cref="PrimaryTunnel"/> dials the current primary, and this watch
/// asks the sentinels: at once on every +switch-master they publish, and every
/// <see cref="PollInterval"/> in case that message was missed. The answer with the highest
/// config epoch wins, so a sentinel that has not heard of the failover yet cannot move it back.
/// It listens to every sentinel (one connection each), because only the sentinel leading a
/// failover announces its start (+selected-slave): from then the old primary is held (see
/// <see cref="PrimaryTunnel.Hold"/>). The watch ends (and closes its sentinel connections) once
/// the Redis connection is disposed.
/// </summary>
internal sealed class SentinelWatch
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long the old primary is held once a failover of it starts, at most. A failover with
    /// a live primary ends within about a second (Sentinel checks the promotion once a second);
    /// one that aborts leaves the old primary in place, and Pool goes back to it after this.
    /// </summary>
    public static readonly TimeSpan HoldLimit = TimeSpan.FromSeconds(10);

    private static readonly RedisChannel SwitchChannel = RedisChannel.Literal("+switch-master");
    private static readonly RedisChannel SelectedChannel = RedisChannel.Literal("+selected-slave");
    private static readonly RedisChannel PromotedChannel = RedisChannel.Literal("+promoted-slave");

    /// <summary>The watch of each connection made here; lets callers tell such a connection apart.</summary>
    private static readonly ConditionalWeakTable<IConnectionMultiplexer, SentinelWatch> Watches = [];

    private readonly IReadOnlyList<ConnectionMultiplexer> _sentinels;
    private readonly string _service;
    private readonly Action<string>? _notice;
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly SemaphoreSlim _asking = new(1, 1);
    private ConfigurationOptions _primaryOptions = new();
    private WeakReference<ConnectionMultiplexer>? _owner;

    private SentinelWatch(IReadOnlyList<ConnectionMultiplexer> sentinels, string service, Action<string>? notice)
    {
        _sentinels = sentinels;
        _service = service;
        _notice = notice;
        Tunnel = new PrimaryTunnel(service, FollowAsync, TimeProvider.System);
    }

    public PrimaryTunnel Tunnel { get; }

    /// <summary>
    /// Connects to the primary of <paramref name="options"/>' ServiceName through the sentinels
    /// in its endpoints. With AbortOnConnectFail, fails when no sentinel names a primary;
    /// otherwise keeps trying, as a plain connection does.
    /// </summary>
    /// <param name="notice">Told (on a pool thread) each time the primary moves.</param>
    public static async Task<ConnectionMultiplexer> ConnectAsync(ConfigurationOptions options, Action<string>? notice)
    {
        var service = options.ServiceName ?? throw new ArgumentException("the options name no Sentinel service", nameof(options));
        var sentinels = await Task.WhenAll(options.EndPoints.Select(endpoint => ConnectSentinelAsync(options, endpoint))).ConfigureAwait(false);
        var watch = new SentinelWatch(sentinels, service, notice);
        try
        {
            foreach (var sentinel in sentinels)
            {
                // Fire and forget: a sentinel that is down now must not fail the connection; the
                // client subscribes again whenever it (re)connects to that sentinel.
                var subscriber = sentinel.GetSubscriber();
                subscriber.Subscribe(SwitchChannel, (_, message) => watch.OnSwitch(message), CommandFlags.FireAndForget);
                subscriber.Subscribe(SelectedChannel, (_, message) => watch.OnSelected(message), CommandFlags.FireAndForget);
                subscriber.Subscribe(PromotedChannel, (_, message) => watch.OnPromoted(message), CommandFlags.FireAndForget);
            }
            if (await watch.FollowAsync().ConfigureAwait(false) is null && options.AbortOnConnectFail)
            {
                throw new RedisConnectionException(ConnectionFailureType.UnableToConnect,
                    $"no sentinel at {string.Join(",", options.EndPoints.Select(e => e.ToString()))} names a primary for '{service}'");
            }
            var primaryOptions = options.Clone();
            primaryOptions.ServiceName = null;
            primaryOptions.EndPoints.Clear();
            // A name, not an address: the tunnel decides where it leads. It never resolves, so it
            // can never reach a stale primary by itself.
            primaryOptions.EndPoints.Add(new DnsEndPoint(service, 6379));
            primaryOptions.ResolveDns = false;
            primaryOptions.Tunnel = watch.Tunnel;
            watch._primaryOptions = primaryOptions;
            var primary = await ConnectionMultiplexer.ConnectAsync(primaryOptions).ConfigureAwait(false);
            watch.Start(primary);
            return primary;
        }
        catch
        {
            await watch.CloseSentinelsAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>One connection per sentinel (same credentials as Redis), so that each one's announcements are heard.</summary>
    private static Task<ConnectionMultiplexer> ConnectSentinelAsync(ConfigurationOptions options, EndPoint sentinel)
    {
        var sentinelOptions = options.Clone();
        sentinelOptions.ServiceName = null;
        sentinelOptions.DefaultDatabase = null;
        sentinelOptions.AbortOnConnectFail = false;
        sentinelOptions.EndPoints.Clear();
        sentinelOptions.EndPoints.Add(sentinel);
        return ConnectionMultiplexer.SentinelConnectAsync(sentinelOptions);
    }

    private async Task CloseSentinelsAsync()
    {
        foreach (var sentinel in _sentinels) await sentinel.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>True when <paramref name="redis"/> was made here, i.e. goes through Sentinel.</summary>
    public static bool Follows(IConnectionMultiplexer redis) => Watches.TryGetValue(redis, out _);

    /// <summary>Options for another connection to the same primary (through the same tunnel), or null if <paramref name="redis"/> is not one of these.</summary>
    public static ConfigurationOptions? OptionsFor(IConnectionMultiplexer redis) =>
        Watches.TryGetValue(redis, out var watch) ? watch._primaryOptions.Clone() : null;

    private void Start(ConnectionMultiplexer primary)
    {
        _owner = new WeakReference<ConnectionMultiplexer>(primary);
        Watches.AddOrUpdate(primary, this);
        _ = Task.Run(RunAsync);
    }

    private void OnSwitch(RedisValue message)
    {
        // "<service> <old ip> <old port> <new ip> <new port>"; the answer is asked for anyway,
        // so that the config epoch decides.
        if (!((string?)message ?? "").StartsWith(_service + " ", StringComparison.Ordinal)) return;
        Wake();
    }

    /// <summary>The replica about to be promoted was chosen: hold the primary it replaces.</summary>
    private void OnSelected(RedisValue message)
    {
        if (ReplicaEvent(message) is not { } primary) return;
        Tunnel.Hold(primary, HoldLimit);
        Wake();
    }

    /// <summary>The promotion took: the leading sentinel names the new primary from now on.</summary>
    private void OnPromoted(RedisValue message)
    {
        if (ReplicaEvent(message) is not null) Wake();
    }

    /// <summary>
    /// The primary in "slave &lt;name&gt; &lt;ip&gt; &lt;port&gt; @ &lt;service&gt; &lt;primary ip&gt; &lt;primary port&gt;",
    /// when the event is about this service.
    /// </summary>
    private IPEndPoint? ReplicaEvent(RedisValue message)
    {
        var parts = ((string?)message ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 8 || parts[4] != "@" || parts[5] != _service) return null;
        return IPAddress.TryParse(parts[6], out var ip) && int.TryParse(parts[7], out var port) ? new IPEndPoint(ip, port) : null;
    }

    private void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // A wake-up is already pending.
        }
    }

    private async Task RunAsync()
    {
        while (true)
        {
            await _wake.WaitAsync(PollInterval).ConfigureAwait(false);
            if (!IsOwnerOpen()) break;
            try
            {
                await FollowAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Asking is retried on the next tick; the watch itself must not end.
            }
        }
        await CloseSentinelsAsync().ConfigureAwait(false);
    }

    /// <summary>Disposing a multiplexer forgets its servers; a closed connection no longer knows its one endpoint.</summary>
    private bool IsOwnerOpen()
    {
        if (_owner is null || !_owner.TryGetTarget(out var primary)) return false;
        try
        {
            return primary.GetServer(primary.GetEndPoints(configuredOnly: true)[0]) is not null;
        }
        catch (Exception e) when (e is ArgumentException or ObjectDisposedException or IndexOutOfRangeException)
        {
            return false;
        }
    }

    /// <summary>Asks the sentinels for the primary and points the tunnel there; returns it, or null when none answered.</summary>
    private async Task<IPEndPoint?> FollowAsync()
    {
        await _asking.WaitAsync().ConfigureAwait(false);
        try
        {
            var primary = await AskAsync().ConfigureAwait(false);
            if (primary is not null && Tunnel.MoveTo(primary, out var previous) && previous is not null)
                _notice?.Invoke($"Redis Sentinel: the primary of '{_service}' moved from {previous} to {primary}; reconnecting there");
            return primary;
        }
        finally
        {
            _asking.Release();
        }
    }

    /// <summary>The primary named by the sentinel with the newest configuration (highest config epoch).</summary>
    private async Task<IPEndPoint?> AskAsync()
    {
        var answers = await Task.WhenAll(_sentinels.SelectMany(s => s.GetServers()).Where(s => s.IsConnected).Select(AskAsync)).ConfigureAwait(false);
        return answers.OfType<Answer>().MaxBy(a => a.Epoch)?.Primary;
    }

    private async Task<Answer?> AskAsync(IServer sentinel)
    {
        try
        {
            // The address as get-master-addr-by-name gives it: the sentinel leading a failover names
            // the promoted replica there as soon as the promotion took, while its SENTINEL MASTER
            // still shows the old address (with the new epoch) until the other replicas followed.
            var addressing = sentinel.SentinelGetMasterAddressByNameAsync(_service).WaitAsync(AskTimeout);
            var describing = sentinel.SentinelMasterAsync(_service).WaitAsync(AskTimeout);
            var named = await addressing.ConfigureAwait(false);
            var fields = await describing.ConfigureAwait(false);
            _ = long.TryParse(fields.FirstOrDefault(kv => kv.Key == "config-epoch").Value, out var epoch);
            var primary = named switch
            {
                IPEndPoint ip => ip,
                DnsEndPoint dns when await ResolveAsync(dns.Host).ConfigureAwait(false) is { } address => new IPEndPoint(address, dns.Port),
                _ => null,
            };
            return primary is null ? null : new Answer(primary, epoch);
        }
        catch (Exception e) when (e is RedisException or TimeoutException or SocketException)
        {
            // This sentinel is down, slow, or does not watch the service: the others decide.
            return null;
        }
    }

    /// <summary>A sentinel that announces host names (resolve-hostnames): the tunnel needs an address.</summary>
    private static async Task<IPAddress?> ResolveAsync(string host)
    {
        var addresses = await Dns.GetHostAddressesAsync(host).ConfigureAwait(false);
        return addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault();
    }

    private sealed record Answer(IPEndPoint Primary, long Epoch);
}
