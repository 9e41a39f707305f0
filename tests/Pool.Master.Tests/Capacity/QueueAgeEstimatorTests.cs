using Pool.Master.Capacity;

namespace Pool.Master.Tests.Capacity;

/// <summary>
/// The queue-age estimate for payloads without an enqueue time, replayed as a list would move:
/// producers push to the tail, workers take from the head. The test plays Redis's part (which
/// marks are still in the list), so it runs without one; QueueProbeTests runs it against Redis.
/// </summary>
public sealed class QueueAgeEstimatorTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly QueueAgeEstimator _estimator = new();
    private readonly List<string> _queue = [];

    private TimeSpan? Sample(double atSeconds)
    {
        var present = _estimator.Marks.Select(_queue.Contains).ToList();
        return _estimator.Observe(T0.AddSeconds(atSeconds), _queue.Count, _queue.FirstOrDefault(), _queue.LastOrDefault(), present);
    }

    [Fact]
    public void An_empty_queue_has_no_age()
    {
        Assert.Null(Sample(0));
    }

    [Fact]
    public void A_job_that_stays_at_the_head_ages_with_the_samples()
    {
        _queue.Add("a");
        Assert.Equal(TimeSpan.Zero, Sample(0));
        Assert.Equal(TimeSpan.FromSeconds(1), Sample(1));
        Assert.Equal(TimeSpan.FromSeconds(5), Sample(5));
    }

    [Fact]
    public void A_backlog_that_moves_keeps_the_age_of_its_oldest_job_not_of_the_last_head_change()
    {
        // 10 jobs pushed at 0; the worker takes one per second; 1 more is pushed every second.
        for (var i = 0; i < 10; i++) _queue.Add($"j{i}");
        Sample(0);
        for (var t = 1; t <= 6; t++)
        {
            _queue.RemoveAt(0);
            _queue.Add($"late{t}");
            var age = Sample(t);
            // The head is one of the first ten, pushed at 0: its age is t, though the head changed every second.
            Assert.Equal(TimeSpan.FromSeconds(t), age);
        }
    }

    [Fact]
    public void Once_the_old_jobs_are_gone_the_age_drops_to_the_next_mark()
    {
        _queue.AddRange(["a", "b"]);
        Sample(0);
        _queue.Add("c");
        Sample(3);
        _queue.RemoveRange(0, 2);
        // "c" was pushed after the sample at 0 and by the one at 3: between 0 and 3 s old, read as 1 s (the lower bound).
        Assert.Equal(TimeSpan.FromSeconds(1), Sample(4));
    }

    [Fact]
    public void A_drained_queue_forgets_its_marks()
    {
        _queue.Add("a");
        Sample(0);
        _queue.Clear();
        Assert.Null(Sample(10));
        _queue.Add("a");
        Assert.Equal(TimeSpan.Zero, Sample(11));
    }

    [Fact]
    public void Keeps_at_most_max_marks_and_still_the_oldest()
    {
        _queue.Add("first");
        for (var t = 0; t < 100; t++)
        {
            _queue.Add($"j{t}");
            Sample(t);
        }
        Assert.True(_estimator.Marks.Count <= QueueAgeEstimator.MaxMarks);
        Assert.Equal(TimeSpan.FromSeconds(100), Sample(100));
    }

    [Theory]
    [InlineData("{\"class\":\"A\",\"args\":[],\"timestamp\":1764590400.5}", 9.5)]
    [InlineData("{\"class\":\"A\",\"args\":[],\"enqueued_at\":1764590390}", 20)]
    public void A_payload_with_an_enqueue_time_gives_the_exact_age(string payload, double seconds)
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(1764590410);
        Assert.Equal(TimeSpan.FromSeconds(seconds), QueueAgeEstimator.Stamped(payload, now));
    }

    [Theory]
    [InlineData("{\"class\":\"A\",\"args\":[\"timestamp\"]}")]
    [InlineData("{\"class\":\"A\",\"timestamp\":\"yesterday\"}")]
    [InlineData("not json but timestamp")]
    [InlineData("[\"timestamp\"]")]
    public void A_payload_without_a_usable_enqueue_time_falls_back_to_the_marks(string payload)
    {
        Assert.Null(QueueAgeEstimator.Stamped(payload, DateTimeOffset.UtcNow));
    }

    [Fact]
    public void A_timestamp_in_the_future_reads_as_zero_not_negative()
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(1764590400);
        Assert.Equal(TimeSpan.Zero, QueueAgeEstimator.Stamped("{\"class\":\"A\",\"timestamp\":1764590500}", now));
    }
}
