using Pool.Protocol.Payloads;

namespace Pool.Protocol.Tests.Payloads;

public sealed class PayloadCodecTests
{
    [Fact]
    public void Encodes_compactly_with_class_first_and_without_escaping_what_ruby_leaves_alone()
    {
        var json = PayloadCodec.Encode("Record", ["/tmp/a b", "héllo <&> 'q' ☃", 3, 1.5, true, null, new[] { 1, 2 }]);
        Assert.Equal("""{"class":"Record","args":["/tmp/a b","héllo <&> 'q' ☃",3,1.5,true,null,[1,2]]}""", json);
    }

    [Fact]
    public void Escapes_quotes_backslashes_and_control_characters()
    {
        Assert.Equal("""{"class":"X","args":["a\"b\\c\nd"]}""", PayloadCodec.Encode("X", ["a\"b\\c\nd"]));
    }

    [Fact]
    public void Encodes_no_args_as_an_empty_array()
    {
        Assert.Equal("""{"class":"Noop","args":[]}""", PayloadCodec.Encode("Noop", []));
    }

    [Fact]
    public void Decoding_keeps_the_raw_text_and_reads_pool_attempts()
    {
        const string raw = """{"class":"Sleep","args":[2],"queue":"q","id":"x/y","pool_attempts":2}""";
        Assert.True(PayloadCodec.TryDecode(raw, out var p, out _));
        Assert.Same(raw, p!.Raw);
        Assert.Equal("Sleep", p.Class);
        Assert.Equal(2, p.Attempts);
        Assert.Equal(1, p.Args.GetArrayLength());
    }

    [Theory]
    [InlineData("nope", "not valid JSON")]
    [InlineData("[1]", "not an object")]
    [InlineData("""{"args":[]}""", "no \"class\"")]
    [InlineData("""{"class":"A","args":{}}""", "\"args\" is a JSON Object")]
    [InlineData("""{"class":"A","args":[],"pool_attempts":null}""", "\"pool_attempts\" is null")]
    [InlineData("""{"class":"A","args":[],"pool_attempts":"x"}""", "\"pool_attempts\" is the string \"x\"")]
    [InlineData("""{"class":"A","args":[],"pool_attempts":-1}""", "\"pool_attempts\" is -1")]
    [InlineData("""{"class":"A","args":[],"pool_attempts":1.5}""", "\"pool_attempts\" is 1.5")]
    [InlineData("""{"class":"A","args":[],"pool_attempts":2147483648}""", "\"pool_attempts\" is 2147483648")]
    [InlineData("""{"class":"A","args":[],"pool_attempts":{}}""", "\"pool_attempts\" is a JSON object")]
    [InlineData("""{"class":"A","args":[],"pool_iteration":7}""", "\"pool_iteration\" is 7, not an object")]
    [InlineData("""{"class":"A","args":[],"pool_iteration":{"interruptions":"x"}}""", "\"interruptions\" is the string")]
    [InlineData("""{"class":"A","args":[],"pool_iteration":{"run_time_ms":null}}""", "\"run_time_ms\" is null")]
    [InlineData("""{"class":"\ud800","args":[]}""", "no \"class\"")]
    public void Decoding_a_bad_payload_says_what_is_wrong(string raw, string expected)
    {
        Assert.False(PayloadCodec.TryDecode(raw, out _, out var error));
        Assert.Contains(expected, error);
    }

    [Fact]
    public void Failure_records_use_resques_field_order_and_date_format()
    {
        var at = new DateTimeOffset(2026, 11, 25, 13, 33, 11, TimeSpan.Zero);
        var json = FailureRecord.Build(at, """{"class":"A","args":["/x"]}""", "Boom", "bad/thing", ["at A", "at B"], "h:1:q", "q");
        Assert.Equal("""{"failed_at":"2026/11/25 13:33:11 UTC","payload":{"class":"A","args":["/x"]},"exception":"Boom","error":"bad/thing","backtrace":["at A","at B"],"worker":"h:1:q","queue":"q"}""", json);
        Assert.Equal("2026-11-25T13:33:11Z", ResqueTime.Iso(at));
    }
}
