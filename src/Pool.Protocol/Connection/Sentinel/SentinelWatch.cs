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
/// The watch ends (and closes its sentinel connection) once the Redis connection is disposed.
/// </summary>
internal sealed class SentinelWatch
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(1);
    private static readonly RedisChannel SwitchChannel = RedisChannel.Literal("+switch-master");

    /// <summary>The watch of each connection made here; lets callers tell such a connection apart.</summary>
    private static readonly ConditionalWeakTable<IConnectionMultiplexer, SentinelWatch> Watches = [];

    private readonly ConnectionMultiplexer _sentinels;
    private readonly string _service;
    private readonly Action<string>? _notice;
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly SemaphoreSlim _asking = new(1, 1);
    private ConfigurationOptions _primaryOptions = new();
    private WeakReference<ConnectionMultiplexer>? _owner;

    private SentinelWatch(ConnectionMultiplexer sentinels, string service, Action<string>? notice)
    {
        _sentinels = sentinels;
        _service = service;
        _notice = notice;
        Tunnel = new PrimaryTunnel(service, FollowAsync);
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
        var sentinelOptions = options.Clone();
        sentinelOptions.ServiceName = null;
        sentinelOptions.DefaultDatabase = null;
        sentinelOptions.AbortOnConnectFail = false;
        var sentinels = await ConnectionMultiplexer.SentinelConnectAsync(sentinelOptions).ConfigureAwait(false);
        var watch = new SentinelWatch(sentinels, service, notice);
        try
        {
            await sentinels.GetSubscriber().SubscribeAsync(SwitchChannel, (_, message) => watch.OnSwitch(message)).ConfigureAwait(false);
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
            await sentinels.DisposeAsync().ConfigureAwait(false);
            throw;
        }
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
        await _sentinels.DisposeAsync().ConfigureAwait(false);
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
        var answers = await Task.WhenAll(_sentinels.GetServers().Where(s => s.IsConnected).Select(AskAsync)).ConfigureAwait(false);
        return answers.OfType<Answer>().MaxBy(a => a.Epoch)?.Primary;
    }

    private async Task<Answer?> AskAsync(IServer sentinel)
    {
        try
        {
            var fields = (await sentinel.SentinelMasterAsync(_service).WaitAsync(AskTimeout).ConfigureAwait(false))
                .ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
            if (!fields.TryGetValue("ip", out var host) || !int.TryParse(fields.GetValueOrDefault("port"), out var port)) return null;
            _ = long.TryParse(fields.GetValueOrDefault("config-epoch"), out var epoch);
            var address = IPAddress.TryParse(host, out var ip) ? ip : await ResolveAsync(host).ConfigureAwait(false);
            return address is null ? null : new Answer(new IPEndPoint(address, port), epoch);
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
