using System.Text.Json;
using Pool.Protocol.Payloads;
using Pool.Protocol.Scheduling;
using Pool.Protocol.Scripts;
using Pool.Protocol.Working;
using StackExchange.Redis;

namespace Pool.Protocol.Retries;

/// <summary>
/// Turns a job failure into retry_fail.lua's arguments: the group's policy over the job type's
/// [Retry], the retry in resque-scheduler's delayed format, resque-retry's counter key and its
/// suppressed failure record. Null when the failure is not retryable (fail.lua as before).
/// </summary>
internal sealed class RetryPlanner(RetryPolicy group, Func<string, RetryAttribute?> attributeOf, Random? random = null)
{
    private readonly Random _random = random ?? Random.Shared;

    public RetryPolicy PolicyFor(string jobClass) => group.With(attributeOf(jobClass));

    /// <param name="failure">The final failure record (Resque's shape), used if no retry is left.</param>
    internal RetryPlan? Plan(string ns, string workerId, Reservation job, string payloadText, string exception, string failure, DateTimeOffset now)
    {
        if (!PayloadCodec.TryDecode(payloadText, out var payload, out _)) return null;
        var policy = PolicyFor(payload!.Class);
        if (!policy.Retryable([exception])) return null;

        var args = payload.Args.GetRawText();
        var delayed = DelayedJobCodec.FromArgsJson(0, job.Queue, payload.Class, args);
        var counter = RetryKeys.Counter(payload.Class, payload.Args);
        var delays = policy.DelayTable(policy.Retries < 0 ? 32 : Math.Max(1, policy.Retries), _random);
        // resque-retry's record: Resque's failure shape, failed_at without the zone.
        var stamp = ResqueTime.Failed(now);
        var suppressed = failure.Replace("\"failed_at\":\"" + stamp + "\"", "\"failed_at\":\"" + stamp[..^4] + "\"");
        return new RetryPlan(
        [
            ns, workerId, job.Rid, failure, counter, policy.Retries, payload.Attempts, delayed.Encoded,
            // Due times are whole seconds: count from the next one, so a retry "in 1 s" never
            // comes due at once (from the second started it came due 0 to 1 s after the failure).
            DelayedQueue.QueuedPayload(delayed), job.Queue, (now.ToUnixTimeMilliseconds() + 999) / 1000, suppressed,
            .. delays.Select(d => (RedisValue)d),
        ], policy.Retries);
    }
}

/// <summary>retry_fail.lua's arguments, and the retries the job's policy allows (negative: forever), for the log.</summary>
internal sealed record RetryPlan(RedisValue[] Argv, int Retries);

/// <summary>What became of a failed job.</summary>
internal enum FailureFate { NotHeld, Retried, Failed }

/// <summary>A failed job's fate; for a retry, which attempt it was (1: the first run), of how many retries (negative: forever), and how long until the next.</summary>
internal sealed record FailureSettled(FailureFate Fate, int Attempt = 0, int Retries = 0, TimeSpan Delay = default)
{
    public static readonly FailureSettled NotHeld = new(FailureFate.NotHeld);
    public static readonly FailureSettled Failed = new(FailureFate.Failed);
}
