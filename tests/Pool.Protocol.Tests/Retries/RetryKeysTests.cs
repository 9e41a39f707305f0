using System.Text.Json;
using Pool.Protocol.Retries;

namespace Pool.Protocol.Tests.Retries;

/// <summary>Expected keys printed by ruby 3.1 with resque-retry's redis_retry_key: ['resque-retry', name, sha1(args.join('-'))].join(':').gsub(/\s/, '').</summary>
public sealed class RetryKeysTests
{
    [Fact]
    public void The_counter_key_is_resque_retrys_for_flattened_args_floats_nil_and_hashes()
    {
        var args = JsonDocument.Parse("""["a b", 1, 1.0, null, true, [2,[3, "x"]], {"k":1,"s":"v\"q","n":null,"f":2.5,"l":[1]}]""").RootElement;

        Assert.Equal("resque-retry:MyJob:bbe07c38c4d88ddafddaa28c14578d7aa28c8f1f", RetryKeys.Counter("My Job", args));
    }

    [Fact]
    public void A_number_past_a_double_keys_by_its_text_instead_of_throwing()
    {
        var args = JsonDocument.Parse("[1e400]").RootElement;
        Assert.Equal(RetryKeys.Counter("Sleep", args), RetryKeys.Counter("Sleep", JsonDocument.Parse("[1e400]").RootElement));
        Assert.NotEqual(RetryKeys.Counter("Sleep", args), RetryKeys.Counter("Sleep", JsonDocument.Parse("[1e300]").RootElement));
    }

    [Fact]
    public void Without_args_the_key_has_no_identifier_and_the_failure_key_prefixes_it()
    {
        Assert.Equal("resque-retry:Nightly", RetryKeys.Counter("Nightly", "[]"));
        Assert.Equal("failure-resque-retry:Nightly", RetryKeys.Failure(RetryKeys.Counter("Nightly", "[]")));
    }

    [Fact]
    public void The_policy_never_retries_bad_input_honours_zero_and_the_delay_table_reuses_the_last_delay()
    {
        var policy = RetryPolicy.Default with { Delays = [10, 60] };

        Assert.False(policy.Retryable(["Pool::UnknownJob"]));
        Assert.True(policy.Retryable(["System.InvalidOperationException"]));
        Assert.False((policy with { Retries = 0 }).Retryable(["System.InvalidOperationException"]));
        Assert.False((policy with { RetryOn = ["System.TimeoutException"] }).Retryable(["System.InvalidOperationException"]));
        Assert.Equal([10, 60, 60, 60], policy.DelayTable(4, new Random(1)));
        var backoff = RetryPolicy.Default.DelayTable(3, new Random(1));
        Assert.InRange(backoff[0], 11, 19);
        Assert.InRange(backoff[1], 45, 75);
        Assert.InRange(backoff[2], 180, 300);
    }
}
