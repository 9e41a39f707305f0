using System.Collections.Concurrent;
using Pool.Protocol.Recovery;

namespace Pool.Master.Tests.Supervision.InProcess;

/// <summary>A master store that answers at once and remembers what it was asked; who is busy is whatever the test says.</summary>
internal sealed class RecordingMasterStore : IMasterStore
{
    private readonly ConcurrentQueue<string> _recovered = new();
    private readonly ConcurrentQueue<int[]> _foreign = new();
    private int _busyQuestions;

    public bool IsConnected => true;

    /// <summary>The worker ids reported busy (they must be in the question to count).</summary>
    public IReadOnlySet<string> Busy { get; set; } = new HashSet<string>();

    /// <summary>When set, asking who is busy fails with it, as a Redis outage would.</summary>
    public Exception? BusyFailure { get; set; }

    public IReadOnlyList<string> RecoveredWorkers => [.. _recovered];
    public IReadOnlyList<int[]> ForeignPids => [.. _foreign];
    public int BusyQuestions => Volatile.Read(ref _busyQuestions);

    public Task<RecoveryOutcome> RecoverWorkerAsync(string workerId, CancellationToken ct = default)
    {
        _recovered.Enqueue(workerId);
        return Task.FromResult(RecoveryOutcome.Nothing);
    }

    public Task<IReadOnlyList<RecoveryOutcome>> RecoverForeignAsync(IReadOnlyCollection<int> pids, CancellationToken ct = default)
    {
        _foreign.Enqueue([.. pids]);
        return Task.FromResult<IReadOnlyList<RecoveryOutcome>>([]);
    }

    public Task<int> RecoverExpiredAsync(CancellationToken ct = default) => Task.FromResult(0);

    public Task VouchAsync(IReadOnlyCollection<string> workerIds, CancellationToken ct = default) => Task.CompletedTask;

    public Task<IReadOnlySet<string>> BusyWorkersAsync(IReadOnlyCollection<string> workerIds, CancellationToken ct = default)
    {
        Interlocked.Increment(ref _busyQuestions);
        if (BusyFailure is { } failure) return Task.FromException<IReadOnlySet<string>>(failure);
        var busy = Busy;
        return Task.FromResult<IReadOnlySet<string>>(workerIds.Where(busy.Contains).ToHashSet());
    }

    /// <summary>Which worker ids count as registered (ready); null, the default: every one asked about.</summary>
    public Func<string, bool>? Registered { get; set; }

    public Task<IReadOnlySet<string>> RegisteredWorkersAsync(IReadOnlyCollection<string> workerIds, CancellationToken ct = default)
    {
        var registered = Registered;
        return Task.FromResult<IReadOnlySet<string>>(workerIds.Where(id => registered is null || registered(id)).ToHashSet());
    }

    /// <summary>Every ChargeAsync call's worker ids, in order.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<IReadOnlyCollection<string>> Charged { get; } = new();

    public Task<int> ChargeAsync(IReadOnlyCollection<string> workerIds, CancellationToken ct = default)
    {
        Charged.Enqueue(workerIds);
        return Task.FromResult(workerIds.Count);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
