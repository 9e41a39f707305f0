using System.Text.Json;
using Pool.Protocol.Scheduling;

namespace Pool.Protocol.Tests.Scheduling;

/// <summary>
/// The expected strings were printed by ruby 3.1 / json 2.6 with
/// JSON.generate({class: c, args: a, queue: q}), which is what resque-scheduler's job_to_hash
/// and Resque.encode produce, so Ruby's remove_delayed finds what Pool wrote.
/// </summary>
public sealed class DelayedJobCodecTests
{
    [Fact]
    public void Strings_keep_slashes_html_characters_unicode_emoji_and_del_raw_like_ruby()
    {
        var encoded = DelayedJobCodec.Encode("mail", "Mailer", ["a/b<>&'", "é ü", "😀", "\u2028", "tab\tnl\n\"q\" \\ \u0001\u001f\u007f"]);

        Assert.Equal("{\"class\":\"Mailer\",\"args\":[\"a/b<>&'\",\"é ü\",\"😀\",\"\u2028\",\"tab\\tnl\\n\\\"q\\\" \\\\ \\u0001\\u001f\u007f\"],\"queue\":\"mail\"}", encoded);
    }

    [Fact]
    public void Numbers_are_written_as_ruby_writes_integers_and_floats()
    {
        var encoded = DelayedJobCodec.Encode("q", "Num", [1, -2L, 1.0, 1.5, 1e20, 0.00001, 100.0, 12345678901234567890UL, null, true, false]);

        Assert.Equal("{\"class\":\"Num\",\"args\":[1,-2,1.0,1.5,1.0e+20,1.0e-05,100.0,12345678901234567890,null,true,false],\"queue\":\"q\"}", encoded);
    }

    [Fact]
    public void Json_numbers_as_typed_on_a_command_line_are_written_as_ruby_writes_them_after_parsing()
    {
        object?[] typed = [.. new[] { "1e20", "1.50", "1.0e+20", "1.0", "2.5E-5", "12345678901234567890", "-3" }.Select(t => (object?)JsonDocument.Parse(t).RootElement.Clone())];

        var encoded = DelayedJobCodec.Encode("q", "Num", typed);

        Assert.Equal("{\"class\":\"Num\",\"args\":[1.0e+20,1.5,1.0e+20,1.0,2.5e-05,12345678901234567890,-3],\"queue\":\"q\"}", encoded);
    }

    [Theory]
    [InlineData(1e14, "100000000000000.0")]
    [InlineData(1e15, "1.0e+15")]
    [InlineData(123456789012345.6, "123456789012345.6")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(2.5e-5, "2.5e-05")]
    [InlineData(1.0 / 3, "0.3333333333333333")]
    [InlineData(-0.0, "-0.0")]
    [InlineData(1234567.0, "1234567.0")]
    public void Floats_follow_ruby_float_to_s(double value, string ruby) => Assert.Equal(ruby, RubyJson.Float(value));

    [Fact]
    public void Hashes_lists_and_json_elements_nest_in_ruby_spelling()
    {
        var meta = new Dictionary<string, object?> { ["k"] = null };
        var hash = new Dictionary<string, object?> { ["id"] = 1, ["tags"] = new[] { "x", "y" }, ["meta"] = meta };
        var fromJson = JsonDocument.Parse("""{"id":1,"tags":["x","y"],"meta":{"k":null}}""").RootElement;

        Assert.Equal("{\"class\":\"Nested\",\"args\":[{\"id\":1,\"tags\":[\"x\",\"y\"],\"meta\":{\"k\":null}},[]],\"queue\":\"default\"}",
            DelayedJobCodec.Encode("default", "Nested", [hash, Array.Empty<object>()]));
        Assert.Equal(DelayedJobCodec.Encode("default", "Nested", [hash, Array.Empty<object>()]),
            DelayedJobCodec.Encode("default", "Nested", [fromJson, JsonDocument.Parse("[]").RootElement]));
        Assert.Equal("{\"class\":\"NoArgs\",\"args\":[],\"queue\":\"low\"}", DelayedJobCodec.Encode("low", "NoArgs", []));
    }

    [Fact]
    public void Decoding_says_why_an_entry_is_not_a_job()
    {
        Assert.False(DelayedJobCodec.TryDecode(1, "{not json", out _, out var notJson));
        Assert.Contains("not valid JSON", notJson);
        Assert.False(DelayedJobCodec.TryDecode(1, """{"class":"A","args":[]}""", out _, out var noQueue));
        Assert.Contains("\"queue\"", noQueue);
        Assert.True(DelayedJobCodec.TryDecode(7, """{"class":"A","args":[1,"x"],"queue":"q"}""", out var job, out _));
        Assert.Equal(new DelayedJob(7, "q", "A", """[1,"x"]""", """{"class":"A","args":[1,"x"],"queue":"q"}"""), job);
    }
}
