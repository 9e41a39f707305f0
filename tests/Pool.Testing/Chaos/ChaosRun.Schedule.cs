using System.Diagnostics;
using Mono.Unix.Native;
using Pool.Protocol.Payloads;
using Pool.Protocol.Producing;
using StackExchange.Redis;

namespace Pool.Testing.Chaos;

/// <summary>The chaos schedule: waves of jobs, each followed by a blow. The delays are the schedule, not waits for conditions.</summary>
public sealed partial class ChaosRun
{
    private async Task BreakThingsAsync(List<string> tags, CancellationToken ct)
    {
        var producer = new Producer(_redis.Connection, _ns);
        var meanTick = (_options.KillEveryMin + _options.KillEveryMax) / 2;
        _wave = (int)Math.Ceiling(tags.Count / Math.Max(1, _options.ChaosFor / meanTick));
        // Fractions of the chaos time at which the one-off blows land, in order.
        var events = new Queue<(double At, Func<Task> Blow)>(!_options.OneOffBlows ? [] :
        [
            (0.10, StallWorkerAsync),
            (0.20, SignalBurstAsync),
            (0.28, StallWorkerAsync),
            (0.35, KillMasterAsync),
            (0.50, SignalBurstAsync),
            (0.65, RestartRedisAsync),
            (0.72, StallWorkerAsync),
            (0.80, SignalBurstAsync),
        ]);

        var clock = Stopwatch.StartNew();
        var sent = 0;
        while (clock.Elapsed < _options.ChaosFor || events.Count > 0
               || (_workerKills < _options.MinWorkerKills && clock.Elapsed < 2 * _options.ChaosFor))
        {
            ct.ThrowIfCancellationRequested();
            var count = Math.Min(_wave, tags.Count - sent);
            if (count > 0) await EnqueueAsync(producer, tags.GetRange(sent, count)).ConfigureAwait(false);
            sent += count;
            // Let the wave start running, so the blow lands mid-batch.
            await Task.Delay(_random.Next(0, 15), ct).ConfigureAwait(false);

            if (events.Count > 0 && clock.Elapsed >= _options.ChaosFor * events.Peek().At)
            {
                var (_, blow) = events.Dequeue();
                Attribute(blow.Method.Name.Replace("Async", "", StringComparison.Ordinal));
                await blow().ConfigureAwait(false);
            }
            else
            {
                Attribute(nameof(KillRandomWorker));
                KillRandomWorker();
            }
            await Task.Delay(_random.Next((int)_options.KillEveryMin.TotalMilliseconds, (int)_options.KillEveryMax.TotalMilliseconds), ct).ConfigureAwait(false);
        }
        if (sent < tags.Count) await EnqueueAsync(producer, tags.GetRange(sent, tags.Count - sent)).ConfigureAwait(false);
        _options.Log($"chaos: blows done after {clock.Elapsed.TotalSeconds:0.0}s: {_workerKills} worker kills, {_masterKills} master kills, {_redisRestarts} Redis restarts, {_bursts} signal bursts");
    }

    private async Task EnqueueAsync(Producer producer, List<string> tags)
    {
        var payloads = tags.Select(t => PayloadCodec.Encode("RecordSpan", [RecordPath, t, _options.JobMs])).ToList();
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await producer.EnqueueManyRawAsync(Queue, payloads).ConfigureAwait(false);
                return;
            }
            catch (Exception e) when (e is RedisConnectionException or RedisTimeoutException && deadline.Elapsed < TimeSpan.FromSeconds(20))
            {
                // The script may have run before the reply was lost: a retry can duplicate this wave (counted in the bound).
                _producerRetries++;
                await Task.Delay(100).ConfigureAwait(false);
            }
        }
    }

    private void KillRandomWorker()
    {
        var ready = KillableWorkers();
        if (ready.Count == 0) return;
        if (Syscall.kill(ready[_random.Next(ready.Count)], Signum.SIGKILL) == 0) _workerKills++;
    }

    /// <summary>
    /// SIGSTOP of a random worker, mid-job most likely, and SIGCONT after longer than a worker's
    /// lease (a GC pause or a frozen process): its master vouches for it, so no sweep may run its
    /// job elsewhere meanwhile, and no job may run twice at once.
    /// </summary>
    private Task StallWorkerAsync()
    {
        var ready = ReadyWorkers();
        if (ready.Count == 0) return Task.CompletedTask;
        var pid = ready[_random.Next(ready.Count)];
        if (Syscall.kill(pid, Signum.SIGSTOP) != 0) return Task.CompletedTask;
        _stalls++;
        _ = Task.Delay(_options.StallFor).ContinueWith(_ => Syscall.kill(pid, Signum.SIGCONT), TaskScheduler.Default);
        _options.Log($"chaos: stopped worker {pid} for {_options.StallFor.TotalSeconds:0.#}s");
        return Task.CompletedTask;
    }

    /// <summary>HUP, TTIN and TTOU close together, as an operator scripting a deploy might send them.</summary>
    private async Task SignalBurstAsync()
    {
        foreach (var signal in new[] { Signum.SIGTTIN, Signum.SIGTTOU, Signum.SIGHUP, Signum.SIGTTIN, Signum.SIGTTOU })
        {
            _master.Signal(signal);
            await Task.Delay(_random.Next(5, 40)).ConfigureAwait(false);
        }
        _bursts++;
    }

    /// <summary>kill -9 of the master and a new one at once; its workers must notice and stop on their own.</summary>
    private Task KillMasterAsync()
    {
        var old = _master;
        var orphans = PoolProcesses.Workers(_ns).Where(p => ProcFs.ParentPidOrNull(p) == old.Pid).ToList();
        old.Signal(Signum.SIGKILL);
        var killed = Stopwatch.StartNew();
        old.WaitForExit(TimeSpan.FromSeconds(10));
        _masterKills++;
        _master = StartMaster();
        _orphansGone = Task.Run(async () =>
        {
            while (orphans.Any(ProcFs.IsAlive))
            {
                if (killed.Elapsed > TimeSpan.FromSeconds(30)) return (TimeSpan?)null;
                await Task.Delay(10).ConfigureAwait(false);
            }
            return killed.Elapsed;
        });
        _options.Log($"chaos: killed master {old.Pid} with {orphans.Count} workers; new master {_master.Pid}");
        return Task.CompletedTask;
    }

    /// <summary>kill -9 of redis-server and a restart from its AOF on the same port.</summary>
    private async Task RestartRedisAsync()
    {
        _workersAtRestart = PoolProcesses.Workers(_ns).Count;
        _redis.Restart();
        _redisRestarts++;
        await Wait.UntilAsync(() =>
        {
            try { Db.Ping(); return true; }
            catch (RedisConnectionException) { return false; }
            catch (RedisTimeoutException) { return false; }
        }, TimeSpan.FromSeconds(20), "the test's own connection back after the Redis restart").ConfigureAwait(false);
        _options.Log($"chaos: restarted Redis with {_workersAtRestart} workers alive");
    }
}
