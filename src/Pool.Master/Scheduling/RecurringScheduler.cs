using Pool.Master.Config;
using Pool.Protocol.Connection;
using Pool.Protocol.Scheduling;
using Serilog;

namespace Pool.Master.Scheduling;

/// <summary>
/// Fires pool.yml's recurring entries on the leader. For each entry, the latest occurrence since
/// the last one fired (kept in Redis, so a new leader or a restarted master knows it) is fired
/// once by an atomic script that refuses an occurrence already fired: two masters that both
/// believe they lead, or a leader that fires and dies before it learns the answer, cannot run it
/// twice. Occurrences more than <see cref="Grace"/> late were missed (no master led then): policy
/// skip records them without running, policy once runs the latest of them once.
/// A brand-new entry has no history: only an occurrence within the grace counts for it.
/// The leader also publishes the entries to resque-scheduler's persistent_schedules (once per
/// leadership and per HUP), so resque-web's Schedule tab lists them, and fires the entries Ruby
/// keeps there (<paramref name="ruby"/>) the same way, since no Ruby scheduler fires them while Pool leads.
/// </summary>
internal sealed class RecurringScheduler(RecurringStore store, string lockKey, string lockValue, TimeSpan grace, ILogger log, RubyScheduleWatch? ruby = null)
{
    private volatile IReadOnlyList<ScheduleEntry> _entries = [];
    private Dictionary<string, DateTimeOffset>? _lastFires;
    /// <summary>The entries as last published by this leader; null: publish at the next pass.</summary>
    private volatile IReadOnlyList<ScheduleEntry>? _published;
    private long _fired;
    private bool _publishFailing;

    public TimeSpan Grace { get; } = grace;

    public IReadOnlyList<ScheduleEntry> Entries => _entries;

    /// <summary>The entries from Ruby's persistent_schedules that this leader fires, as last read.</summary>
    public IReadOnlyList<ScheduleEntry> RubyEntries => ruby?.Entries ?? [];

    /// <summary>Occurrences this master enqueued since it started (for /metrics).</summary>
    public long Fired => Interlocked.Read(ref _fired);

    /// <summary>Thread-safe: the entries after a start or a HUP; the next pass uses them.</summary>
    public void Use(IReadOnlyList<ScheduleEntry> entries)
    {
        _entries = entries;
        Forget();
    }

    /// <summary>Re-read the last fires from Redis at the next pass (leadership changed, or the entries did).</summary>
    public void Forget()
    {
        _lastFires = null;
        _published = null;
        ruby?.Forget();
    }

    /// <summary>Fires what is due; returns the next moment an entry is due, or null when there are none.</summary>
    public async Task<DateTimeOffset?> FireDueAsync(DateTimeOffset now)
    {
        var entries = _entries;
        if (!ReferenceEquals(_published, entries)) await PublishAsync(entries).ConfigureAwait(false);
        // After the publication, which takes out what Pool wrote earlier and pool.yml dropped.
        var rubyEntries = ruby is null ? [] : await ruby.CurrentAsync(now, entries).ConfigureAwait(false);
        if (entries.Count == 0 && rubyEntries.Count == 0) return null;
        _lastFires ??= new Dictionary<string, DateTimeOffset>(await store.LastFiresAsync().ConfigureAwait(false));
        DateTimeOffset? next = null;
        foreach (var entry in entries.Concat(rubyEntries))
        {
            try
            {
                await FireEntryAsync(entry, now).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException and not StackExchange.Redis.RedisConnectionException)
            {
                // One broken entry never stops the others (Redis trouble does end the pass, above).
                log.Error("schedule {Name}: {Error}", entry.Name, RedisErrors.Brief(e));
            }
            if (entry.Recurrence.Next(now) is { } at && (next is null || at < next)) next = at;
        }
        return next;
    }

    private async Task FireEntryAsync(ScheduleEntry entry, DateTimeOffset now)
    {
        var since = _lastFires!.TryGetValue(entry.Name, out var last) ? last : now - Grace;
        if (entry.Recurrence.Latest(since, now) is not { } due) return;
        var missed = now - due > Grace;
        var skip = missed && entry.Missed == MissedPolicy.Skip;
        var result = await store.FireAsync(lockKey, lockValue, entry.Name, due, entry.Queue, entry.Payload, now, skip).ConfigureAwait(false);
        if (result < 0) return;
        _lastFires[entry.Name] = due;
        if (result == 0) return;
        if (!skip) Interlocked.Increment(ref _fired);
        if (skip) log.Warning("schedule {Name}: skipped the occurrence at {Due} (missed while no master led; missed: skip)", entry.Name, Iso.Format(due));
        else if (missed) log.Information("schedule {Name}: enqueued the missed occurrence at {Due} once on {Queue} (missed: once)", entry.Name, Iso.Format(due), entry.Queue);
        else log.Information("schedule {Name}: enqueued {Class} on {Queue} for {Due}", entry.Name, entry.Class, entry.Queue, Iso.Format(due));
    }

    /// <summary>Writes the entries where resque-web's Schedule tab reads them; a failure is logged and retried at the next pass, never stops the fires.</summary>
    private async Task PublishAsync(IReadOnlyList<ScheduleEntry> entries)
    {
        try
        {
            var result = await store.PublishAsync(lockKey, lockValue, entries.Select(e => (e.Name, e.RubyConfig))).ConfigureAwait(false);
            if (result is null) return;
            _published = entries;
            _publishFailing = false;
            foreach (var name in result.Replaced)
                log.Warning("schedule {Name}: replaced the persistent_schedules entry of that name, which Pool had not written (pool.yml defines it; Ruby's copy is gone)", name);
            if (result.Written > 0 || result.Removed > 0)
                log.Information("scheduler: wrote {Written} and removed {Removed} entr(ies) in persistent_schedules (resque-web's Schedule tab)", result.Written, result.Removed);
        }
        catch (Exception e) when (e is not OutOfMemoryException and not StackExchange.Redis.RedisConnectionException)
        {
            // Retried at every pass; said once until it works.
            if (!_publishFailing) log.Error("scheduler: could not write the schedule to persistent_schedules (retrying at every pass): {Error}", RedisErrors.Brief(e));
            _publishFailing = true;
        }
    }
}
