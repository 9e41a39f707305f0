using System.Collections.Concurrent;
using Pool.Protocol.Retries;
using Pool.Protocol.Working;
using Pool.Worker.Running;
using StackExchange.Redis;

namespace Pool.Worker.Tests.Running.InProcess;

/// <summary>
/// One lane's store, in memory: it answers at once from a job queue it shares with the other
/// lanes and remembers every call, in the words of <see cref="Describe"/>, with the fake clock's
/// time. A test can hold the next reserve in flight, script its reply, or make calls fail as a
/// Redis outage does.
/// </summary>
internal sealed class FakeWorkerStore(string workerId, FakeWorkerStore.JobQueue queue, TimeProvider clock) : IWorkerStore
{
    /// <summary>The jobs waiting, shared by the lanes of a worker; rids are r1, r2, ... in the order they are taken.</summary>
    public sealed class JobQueue
    {
        private readonly ConcurrentQueue<string> _payloads = new();
        private int _rids;

        public void Push(string payload) => _payloads.Enqueue(payload);

        public int Count => _payloads.Count;

        public bool TryTake(out Reservation job)
        {
            job = null!;
            if (!_payloads.TryDequeue(out var payload)) return false;
            job = new Reservation(NextRid(), "q", payload);
            return true;
        }

        public string NextRid() => "r" + Interlocked.Increment(ref _rids);
    }

    private readonly Lock _gate = new();
    private readonly List<(TimeSpan At, string What)> _calls = [];
    private readonly DateTimeOffset _start = clock.GetUtcNow();
    private TaskCompletionSource<ReserveResult>? _held;
    private ReserveResult? _nextReply;

    public string WorkerId { get; } = workerId;
    public TimeSpan Lease { get; } = WorkerLease.Default;

    /// <summary>Never renewed by a reserve, so the liveness loop beats every second.</summary>
    public long LeaseRenewedAt => 0;

    /// <summary>The calls so far, in order, e.g. "reserve", "ack r1, reserve", "requeue r1".</summary>
    public IReadOnlyList<string> Calls { get { lock (_gate) return [.. _calls.Select(c => c.What)]; } }

    /// <summary>The calls so far with the fake clock's time since the store was made, e.g. "50 ms: ack r1 (outage)".</summary>
    public IReadOnlyList<string> Timeline { get { lock (_gate) return [.. _calls.Select(c => $"{c.At.TotalMilliseconds:0} ms: {c.What}")]; } }

    /// <summary>While set, every call whose description it accepts fails as an outage does (after it is recorded, marked "(outage)").</summary>
    public Func<string, bool>? Outage { get; set; }

    /// <summary>resque:pause-all-workers is set: a reserve that takes jobs answers "paused".</summary>
    public bool PausedAll { get; set; }

    /// <summary>The next heartbeat finds this worker swept (its lease ran out): it answers false.</summary>
    public bool SweptOnNextHeartbeat { get; set; }

    /// <summary>The next reserve stays in flight until the test completes what this returns.</summary>
    public TaskCompletionSource<ReserveResult> HoldNextReserve()
    {
        var held = new TaskCompletionSource<ReserveResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate) _held = held;
        return held;
    }

    /// <summary>The next reserve answers this (e.g. <see cref="ReserveResult.Swept"/>) whatever the queue holds.</summary>
    public void ReplyToNextReserve(ReserveResult reply)
    {
        lock (_gate) _nextReply = reply;
    }

    public static string Describe(string? ackRid, bool reserve) => (ackRid, reserve) switch
    {
        (null, true) => "reserve",
        (null, false) => "reserve none",
        (_, true) => $"ack {ackRid}, reserve",
        (_, false) => $"ack {ackRid}",
    };

    public Task<ReserveResult> ReserveAsync(string? ackRid, bool reserve, string? ackRetryCounter = null)
    {
        if (Record(Describe(ackRid, reserve)) is { } outage) return Task.FromException<ReserveResult>(outage);
        TaskCompletionSource<ReserveResult>? held;
        ReserveResult? scripted;
        lock (_gate)
        {
            (held, _held) = (_held, null);
            (scripted, _nextReply) = (_nextReply, null);
        }
        if (held is not null) return held.Task;
        if (scripted is not null) return Task.FromResult(scripted);
        if (!reserve) return Task.FromResult(ReserveResult.Acked);
        if (PausedAll) return Task.FromResult(ReserveResult.Paused);
        return Task.FromResult(queue.TryTake(out var job) ? ReserveResult.Of(job) : ReserveResult.Empty);
    }

    public Task RegisterAsync() => Answer("register", true);

    public Task<bool> HeartbeatAsync(bool resqueHeartbeat)
    {
        var swept = SweptOnNextHeartbeat;
        SweptOnNextHeartbeat = false;
        return Answer(resqueHeartbeat ? "heartbeat+resque" : "heartbeat", !swept);
    }

    public Task<bool> IsInResqueRegistryAsync() => Answer("registry check", true);

    public Task<RequeueOutcome> RequeueAsync(Reservation job, string? payload) => Answer($"requeue {job.Rid}{(payload is null ? "" : " as " + payload)}", RequeueOutcome.Requeued);

    public Task<bool> CheckpointAsync(Reservation job, string payload) => Answer($"checkpoint {job.Rid} as {payload}", true);

    public Task<FailureSettled> FailAsync(Reservation job, string exception, string error, IEnumerable<string> backtrace, string? payload) =>
        Answer($"fail {job.Rid} {exception}", FailureSettled.Failed);

    public Task UnregisterAsync() => Answer("unregister", true);

    private Task<T> Answer<T>(string what, T reply) =>
        Record(what) is { } outage ? Task.FromException<T>(outage) : Task.FromResult(reply);

    /// <summary>Remembers the call; returns the outage it meets, if any.</summary>
    private RedisConnectionException? Record(string what)
    {
        var down = Outage?.Invoke(what) == true;
        lock (_gate) _calls.Add((clock.GetUtcNow() - _start, down ? what + " (outage)" : what));
        return down ? new RedisConnectionException(ConnectionFailureType.SocketFailure, "fake outage") : null;
    }
}
