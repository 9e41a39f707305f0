using Pool.Master.Config;
using Pool.Protocol.Connection;
using Pool.Protocol.Scheduling;
using Serilog;
using StackExchange.Redis;

namespace Pool.Master.Scheduling;

/// <summary>
/// The leader's view of the entries Ruby keeps in persistent_schedules (see <see cref="RubySchedules"/>):
/// read again every <see cref="Every"/> (resque-scheduler's own poll), so an entry that Ruby code
/// or resque-web sets or removes is fired or dropped within seconds. Each entry's arrival,
/// change, refusal and removal is logged once, not at every read.
/// </summary>
internal sealed class RubyScheduleWatch(RecurringStore store, TimeZoneInfo localZone, string? environment, ILogger log)
{
    public static readonly TimeSpan Every = TimeSpan.FromSeconds(5);

    private IReadOnlyList<ScheduleEntry> _entries = [];
    /// <summary>Each name's config as last read, to log only what changed.</summary>
    private Dictionary<string, string> _configs = new(StringComparer.Ordinal);
    private DateTimeOffset? _readAt;
    private bool _unreadable;

    /// <summary>The Ruby entries being fired, as of the last read.</summary>
    public IReadOnlyList<ScheduleEntry> Entries => _entries;

    /// <summary>Read again at the next pass (leadership changed, or pool.yml did).</summary>
    public void Forget() => _readAt = null;

    /// <summary>The Ruby entries to fire besides pool.yml's: none of the same name, none Pool wrote itself.</summary>
    public async Task<IReadOnlyList<ScheduleEntry>> CurrentAsync(DateTimeOffset now, IReadOnlyList<ScheduleEntry> poolEntries)
    {
        if (_readAt is { } at && now >= at && now - at < Every) return _entries;
        IReadOnlyDictionary<string, string> persistent, published;
        try
        {
            (persistent, published) = await store.RubySchedulesAsync().ConfigureAwait(false);
        }
        catch (RedisServerException e)
        {
            // A stray key of another type: pool.yml's entries go on; the Ruby ones stay as last read.
            if (!_unreadable) log.Warning("scheduler: cannot read the Ruby entries in persistent_schedules ({Error}); pool.yml's entries go on", RedisErrors.Brief(e));
            _unreadable = true;
            _readAt = now;
            return _entries;
        }
        _unreadable = false;
        _readAt = now;
        var found = RubySchedules.Read(persistent, published, poolEntries, localZone, environment);
        var entries = found.Where(f => f.Entry is not null).Select(f => f.Entry!).ToList();
        foreach (var (name, config, entry, problem) in found)
        {
            if (_configs.TryGetValue(name, out var before) && before == config) continue;
            if (entry is not null)
                log.Information("schedule {Name}: firing the entry a Ruby app keeps in persistent_schedules: {Interval} -> {Class} {Args} on {Queue}", name, entry.Recurrence.Describe(), entry.Class, entry.ArgsJson, entry.Queue);
            else if (problem is not null)
                log.Warning("schedule {Name}: the entry in persistent_schedules is not fired: {Problem}", name, problem);
            else
                log.Information("schedule {Name}: the entry in persistent_schedules is for another rails_env than this one ({Environment}); not fired", name, environment ?? "none set");
        }
        foreach (var gone in _entries.Select(e => e.Name).Where(n => !entries.Any(e => e.Name == n)))
            log.Information("schedule {Name}: no longer fired from persistent_schedules (removed there, changed, or now in pool.yml)", gone);
        _configs = found.ToDictionary(f => f.Name, f => f.Config, StringComparer.Ordinal);
        _entries = entries;
        return entries;
    }
}
