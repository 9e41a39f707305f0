using Pool.Protocol.Payloads;

namespace Pool.Protocol.Tests.Payloads;

public sealed class PayloadFieldsEditTests
{
    [Theory]
    [InlineData("""{"a":1}""", """{"a":1,"r":"x"}""")]
    [InlineData("""{}""", """{"r":"x"}""")]
    [InlineData("""{"a":"}","r":"old","b":2}""", """{"a":"}","r":"x","b":2}""")]
    [InlineData("""{"a":{"r":1}}""", """{"a":{"r":1},"r":"x"}""")]
    public void SetField_replaces_a_top_level_field_in_place_or_appends_it_last(string before, string after) =>
        Assert.Equal(after, PayloadFields.Set(before, "r", "\"x\""));

    [Theory]
    [InlineData("""{"class":"A","args":[],"pool_attempts":3}""", """{"class":"A","args":[]}""")]
    [InlineData("""{"pool_attempts":3,"class":"A"}""", """{"class":"A"}""")]
    [InlineData("""{"class":"A","pool_attempts":2,"id":"é/x"}""", """{"class":"A","id":"é/x"}""")]
    [InlineData("""{"pool_attempts":1}""", """{}""")]
    [InlineData("""{"class":"A","args":["\"pool_attempts\":1"]}""", """{"class":"A","args":["\"pool_attempts\":1"]}""")]
    public void RemoveField_removes_only_the_top_level_field_and_one_comma(string before, string after) =>
        Assert.Equal(after, PayloadFields.Remove(before, "pool_attempts"));
}
