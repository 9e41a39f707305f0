namespace Pool.Worker.Limits;

/// <summary>
/// A time limit for every run of this job class, in seconds; it wins over the group's
/// job_timeout (POOL_JOB_TIMEOUT). <c>[JobTimeout(30)]</c> means soft 30 s, hard 35 s.
/// For an iteration job it limits one run (one slice), not the whole iteration.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = true, AllowMultiple = false)]
public sealed class JobTimeoutAttribute(double soft, double hard = 0) : Attribute
{
    public TimeLimit Limit { get; } = TimeLimit.Of(soft, hard);
}
