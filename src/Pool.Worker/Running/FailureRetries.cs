using System.Reflection;
using Pool.Protocol.Retries;
using Pool.Worker.Jobs;

namespace Pool.Worker.Running;

/// <summary>
/// The worker's retry rule: the group's policy from POOL_RETRIES and POOL_RETRY_DELAYS (set by
/// pool-master from pool.yml), under each job type's own [Retry]. The decision itself, and how
/// a worker death counts against it, is made in one place: retry_fail.lua via
/// <see cref="RetryPlanner"/>.
/// </summary>
internal static class FailureRetries
{
    public static RetryPlanner Planner(JobRegistry registry) =>
        new(RetryPolicy.Parse(Environment.GetEnvironmentVariable(Pool.Settings.PoolVariables.Retries), Environment.GetEnvironmentVariable(Pool.Settings.PoolVariables.RetryDelays)),
            cls => registry.TryGet(cls, out var d) ? d!.Type.GetCustomAttribute<RetryAttribute>() : null);
}
