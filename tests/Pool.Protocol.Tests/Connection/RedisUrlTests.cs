using System.Net;
using Pool.Protocol.Connection;

namespace Pool.Protocol.Tests.Connection;

public sealed class RedisUrlTests
{
    [Fact]
    public void A_sentinel_url_names_the_sentinels_the_service_and_the_database()
    {
        var options = RedisUrl.Parse("redis+sentinel://:s3cret@10.0.0.1:26379,10.0.0.2:26380,sentinel-c/mymaster/2");
        Assert.Equal("mymaster", options.ServiceName);
        Assert.Equal("s3cret", options.Password);
        Assert.Equal(2, options.DefaultDatabase);
        Assert.Equal(["10.0.0.1:26379", "10.0.0.2:26380", "Unspecified/sentinel-c:26379"], options.EndPoints.Select(e => e.ToString()));
    }

    [Theory]
    [InlineData("redis://127.0.0.1:99999")]
    [InlineData("redis://:pw@127.0.0.1:70000/0")]
    [InlineData("redis://:pw@127.0.0.1:0")]
    [InlineData("rediss://:pw@redis.internal:0/1")]
    [InlineData("redis+sentinel://:pw@10.0.0.1:0/mymaster")]
    [InlineData("redis+sentinel://:pw@10.0.0.1:26379,10.0.0.2:65536/mymaster")]
    [InlineData("127.0.0.1:70000,password=pw")]
    [InlineData("127.0.0.1:0,password=pw")]
    [InlineData("127.0.0.1:7391,[::1]:0,password=pw")]
    public void A_port_out_of_range_is_named_as_the_problem(string url)
    {
        var e = Assert.Throws<FormatException>(() => RedisUrl.Parse(url));
        Assert.Contains("outside 1 to 65535", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(":pw@", e.Message, StringComparison.Ordinal);
    }

    /// <summary>",,," was taken as a configuration of no server, refused only at the connect, and the worker exited 1 without a line.</summary>
    [Theory]
    [InlineData(",")]
    [InlineData(",,,")]
    [InlineData("password=x")]
    public void A_configuration_string_that_names_no_server_is_refused(string url)
    {
        var e = Assert.Throws<FormatException>(() => RedisUrl.Parse(url));
        Assert.Contains("names no server", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("password=x", e.Message, StringComparison.Ordinal);
    }

    /// <summary>The client's own words were "Keyword 'foo' is not supported.", naming neither the variable nor a way out.</summary>
    [Fact]
    public void An_unknown_keyword_of_a_configuration_string_is_named_with_the_variable()
    {
        var e = Assert.Throws<FormatException>(() => RedisUrl.Parse("127.0.0.1:6379,password=pw,foo=1"));
        Assert.StartsWith("REDIS_URL '127.0.0.1:6379,password=***,foo=1'", e.Message, StringComparison.Ordinal);
        Assert.Contains("'foo'", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("=pw", e.Message, StringComparison.Ordinal);
    }

    /// <summary>The client takes " Password = x" as the password; the logged form printed it.</summary>
    [Theory]
    [InlineData("127.0.0.1:7391,user=u, password = pw1", "127.0.0.1:7391,user=u,password=***")]
    [InlineData("127.0.0.1:7391,Password=pw1", "127.0.0.1:7391,password=***")]
    [InlineData("127.0.0.1:7391,PASSWORD =pw1,ssl=true", "127.0.0.1:7391,password=***,ssl=true")]
    public void A_configuration_strings_password_is_hidden_however_it_is_spaced_or_cased(string url, string redacted) =>
        Assert.Equal(redacted, RedisUrl.Redact(url));

    [Theory]
    [InlineData("pool-worker --redis redis://:topsecret@10.0.0.1:6379/0 --queues a", "pool-worker --redis redis://:***@10.0.0.1:6379/0 --queues a")]
    [InlineData("bin/worker --redis rediss://user:top%40secret@h:6380", "bin/worker --redis rediss://user:***@h:6380")]
    [InlineData("bin/worker --redis 'h:6379,password = topsecret,ssl=true'", "bin/worker --redis 'h:6379,password = ***,ssl=true'")]
    [InlineData("pool-worker --queues a", "pool-worker --queues a")]
    [InlineData("pool-worker --redis redis://h:1/0?password=secret --queues a", "pool-worker --redis redis://h:1/0?password=*** --queues a")]
    [InlineData("w --redis 'redis://:pw@h:1/0?min_replica_acks=1&token=secret'", "w --redis 'redis://:***@h:1/0?min_replica_acks=1&token=***'")]
    [InlineData("w --redis redis://h:1/0?password=se@cret", "w --redis redis://h:1/0?password=***")]
    [InlineData("w --redis redis://topsecret@h:6379", "w --redis redis://***@h:6379")]
    [InlineData("w --mode a?b=c", "w --mode a?b=c")]
    public void A_command_line_is_printed_without_the_passwords_in_it(string command, string printed) =>
        Assert.Equal(printed, RedisUrl.RedactWithin(command));

    /// <summary>"redis://host:" and "host:" were read as port 6379, perhaps someone else's Redis.</summary>
    [Theory]
    [InlineData("redis://127.0.0.1:")]
    [InlineData("redis://127.0.0.1:/0")]
    [InlineData("redis://:pw@127.0.0.1:")]
    [InlineData("rediss://user:pw@redis.internal:/1?min_replica_acks=1")]
    [InlineData("redis://:pw@[::1]:")]
    [InlineData("redis+sentinel://:pw@10.0.0.1:26379,10.0.0.2:/mymaster")]
    [InlineData("127.0.0.1:")]
    [InlineData("127.0.0.1:,password=pw")]
    [InlineData("127.0.0.1:7391, 127.0.0.2: ,password=pw")]
    public void An_empty_port_is_refused_in_one_line_that_names_where_it_came_from(string url)
    {
        var e = Assert.Throws<FormatException>(() => RedisUrl.Parse(url, "--redis"));
        Assert.StartsWith("--redis '", e.Message, StringComparison.Ordinal);
        Assert.Contains("has an empty port (':' with no number after it); give the port after the colon, or leave out the colon", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("pw", e.Message.Replace("password=***", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Theory]
    [InlineData("redis://[::1]", 6379)]
    [InlineData("redis://[::1]:6380/0", 6380)]
    [InlineData("[::1]", 0)]
    [InlineData("[::1]:6381", 6381)]
    public void A_bracketed_ipv6_host_without_a_port_is_still_read(string url, int port)
    {
        var endpoint = RedisUrl.Parse(url).EndPoints.Single();
        Assert.Equal(port, endpoint is IPEndPoint ip ? ip.Port : -1);
    }

    /// <summary>The last one won, in silence.</summary>
    [Theory]
    [InlineData("redis://127.0.0.1:6379/0?min_replica_acks=1&min_replica_acks=0", "min_replica_acks")]
    [InlineData("redis+sentinel://10.0.0.1:26379/mymaster?min_replica_acks=1&MIN_REPLICA_ACKS=1", "min_replica_acks")]
    [InlineData("127.0.0.1:26379,serviceName=mymaster,minReplicaAcks=1,minReplicaAcks=0", "minReplicaAcks")]
    public void Min_replica_acks_given_twice_is_refused(string url, string name)
    {
        var e = Assert.Throws<FormatException>(() => RedisUrl.Parse(url));
        Assert.EndsWith($"gives {name} more than once; give it once", e.Message, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => RedisUrl.MinReplicaAcks(url));
    }

    /// <summary>Pool refuses ?password= as a parameter it does not read, and its error echoed the password.</summary>
    [Theory]
    [InlineData("redis://host:6379/0?password=secret", "redis://host:6379/0?password=***")]
    [InlineData("redis://:pw@host:6379/0?min_replica_acks=1&Password=secret", "redis://:***@host:6379/0?min_replica_acks=1&Password=***")]
    [InlineData("redis://host:6379/0?password=se@cret", "redis://host:6379/0?password=***")]
    [InlineData("rediss://host:6380?token=secret&x", "rediss://host:6380?token=***&x")]
    [InlineData("redis+sentinel://h1:26379/mymaster?auth=secret", "redis+sentinel://h1:26379/mymaster?auth=***")]
    public void A_url_parameters_value_is_hidden_and_the_error_that_refuses_it_names_it_alone(string url, string redacted)
    {
        Assert.Equal(redacted, RedisUrl.Redact(url));
        var e = Assert.Throws<FormatException>(() => RedisUrl.Parse(url, "--redis"));
        Assert.StartsWith($"--redis '{redacted}' has the parameter '", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("cret", RedisUrl.Redact(url), StringComparison.Ordinal);
    }

    /// <summary>A '?' in a password ended the user info: "a" of "a?b=c" was printed, or the rest of it as a parameter's name.</summary>
    [Theory]
    [InlineData("redis://:a?b=c@127.0.0.1:6399", "redis://***@127.0.0.1:6399")]
    [InlineData("redis://us:pa?ss@127.0.0.1:6399/0", "redis://***@127.0.0.1:6399/0")]
    [InlineData("redis://:se/cret@127.0.0.1:6399", "redis://***@127.0.0.1:6399")]
    [InlineData("redis://:se#cret@h:1?min_replica_acks=1", "redis://***@h:1?min_replica_acks=1")]
    [InlineData("redis+sentinel://:se/cret@h1:26379,h2:26379/mymaster", "redis+sentinel://***@h1:26379,h2:26379/mymaster")]
    public void A_password_with_a_url_delimiter_in_it_is_hidden_whole_and_refused_with_the_fix(string url, string redacted)
    {
        Assert.Equal(redacted, RedisUrl.Redact(url));
        var e = Assert.Throws<FormatException>(() => RedisUrl.Parse(url, "--redis"));
        Assert.Equal($"--redis '{redacted}' has a '/', '?' or '#' in its user name or password; write those characters percent-encoded there (%2F, %3F, %23; an '@' as %40)", e.Message);
    }

    [Theory]
    [InlineData("redis://user:6379?pa@h", "redis://user:6379?***")]
    [InlineData("redis://u@h:1/0?x=a@b", "redis://***@h:1/0?x=***")]
    public void A_parameter_that_is_no_plain_name_is_hidden_and_not_named(string url, string redacted)
    {
        Assert.Equal(redacted, RedisUrl.Redact(url));
        var e = Assert.Throws<FormatException>(() => RedisUrl.Parse(url));
        Assert.DoesNotContain("pa", e.Message.Replace("parameter", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotContain("a@b", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_percent_encoded_password_with_delimiters_is_read()
    {
        var options = RedisUrl.Parse("redis://user:a%3Fb%2Fc%23d%40e@127.0.0.1:6399/0");
        Assert.Equal("a?b/c#d@e", options.Password);
        Assert.Equal("user", options.User);
    }

    [Theory]
    [InlineData("redis://:pw@127.0.0.1:7391?min_replica_ack=1", "min_replica_ack")]
    [InlineData("redis://127.0.0.1:7391/1?foo=bar&min_replica_acks=1", "foo")]
    [InlineData("redis+sentinel://10.0.0.1:26379/mymaster?min_replicas=1", "min_replicas")]
    public void An_unknown_url_parameter_is_refused_rather_than_ignored(string url, string parameter)
    {
        var e = Assert.Throws<FormatException>(() => RedisUrl.Parse(url));
        Assert.Contains($"has the parameter '{parameter}', which Pool does not read", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(":pw@", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("   ")]
    [InlineData("")]
    public void A_blank_url_is_one_line_naming_where_it_came_from(string url)
    {
        var e = Assert.Throws<FormatException>(() => RedisUrl.Parse(url, "--redis"));
        Assert.Equal("--redis is blank; give a redis://[:password@]host:port[/db] URL, or leave it out for " + RedisUrl.Default, e.Message);
    }

    [Theory]
    [InlineData("redis://127.0.0.1:6379\n")]
    [InlineData("redis://:pw@127.0.0.1:6379/0\r\nfoo")]
    [InlineData("127.0.0.1:6379,\tpassword=pw")]
    public void A_url_with_a_line_break_is_one_line_that_does_not_echo_it(string url)
    {
        var e = Assert.Throws<FormatException>(() => RedisUrl.Parse(url));
        Assert.Equal("REDIS_URL contains a line break or another control character; give it on one line as redis://[:password@]host:port[/db]", e.Message);
    }

    [Fact]
    public void Errors_name_the_option_the_url_came_from()
    {
        var e = Assert.Throws<FormatException>(() => RedisUrl.Parse("redis://127.0.0.1:6379/first", "--redis"));
        Assert.StartsWith("--redis 'redis://127.0.0.1:6379/first' has database 'first'", e.Message, StringComparison.Ordinal);
    }

    /// <summary>Read as a configuration string, these failed only at connect: "cannot reach Redis at redis//...".</summary>
    [Theory]
    [InlineData("redis//127.0.0.1:6379")]
    [InlineData("redis:/127.0.0.1:6379")]
    [InlineData("rediss//:secret@127.0.0.1:6380")]
    [InlineData("REDIS+SENTINEL//10.0.0.1:26379/mymaster")]
    public void A_url_whose_colon_slash_slash_is_mistyped_is_refused_in_one_line(string url)
    {
        var e = Assert.Throws<FormatException>(() => RedisUrl.Parse(url, "--redis"));
        Assert.StartsWith("--redis starts like a URL", e.Message, StringComparison.Ordinal);
        Assert.Contains("lacks the '://'", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("redis+sentinel://10.0.0.1:26379")]
    [InlineData("redis+sentinel://10.0.0.1:x/mymaster")]
    [InlineData("redis+sentinel://10.0.0.1:26379/mymaster/first")]
    [InlineData("redis://localhost:6379?min_replica_acks=-1")]
    [InlineData("localhost:6379,minReplicaAcks=two")]
    public void A_malformed_url_is_refused_without_its_password(string url)
    {
        var e = Assert.Throws<FormatException>(() => RedisUrl.MinReplicaAcks(url.Replace("://", "://:pw@", StringComparison.Ordinal)));
        Assert.DoesNotContain(":pw@", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("redis://127.0.0.1:6379", 0)]
    [InlineData("redis+sentinel://127.0.0.1:26379/mymaster", 1)]
    [InlineData("127.0.0.1:26379,serviceName=mymaster", 1)]
    [InlineData("redis+sentinel://127.0.0.1:26379/mymaster?min_replica_acks=0", 0)]
    [InlineData("redis://127.0.0.1:6379/0?min_replica_acks=2", 2)]
    [InlineData("127.0.0.1:26379,serviceName=mymaster,minReplicaAcks=0", 0)]
    public void Min_replica_acks_defaults_to_one_under_sentinel_and_the_url_overrides_it(string url, int expected)
    {
        Assert.Equal(expected, RedisUrl.MinReplicaAcks(url));
        Assert.Equal(expected, ReplicaConfirmation.FromUrl(url).Replicas);
    }

    [Fact]
    public void Pools_own_parameter_is_not_handed_to_the_client()
    {
        var fromUrl = RedisUrl.Parse("redis://127.0.0.1:6390/3?min_replica_acks=1");
        Assert.Equal(3, fromUrl.DefaultDatabase);
        Assert.Equal(6390, ((IPEndPoint)fromUrl.EndPoints[0]).Port);
        var fromString = RedisUrl.Parse("127.0.0.1:6390,minReplicaAcks=1,abortConnect=false");
        Assert.False(fromString.AbortOnConnectFail);
    }

    [Fact]
    public void The_sentinel_url_is_logged_without_its_password() =>
        Assert.Equal("redis+sentinel://:***@h1:26379,h2:26379/mymaster", RedisUrl.Redact("redis+sentinel://:s3cret@h1:26379,h2:26379/mymaster"));
}
