using Pool.Protocol.Payloads;

namespace Pool.Protocol.Tests.Payloads;

public sealed class PayloadFieldsTests
{
    [Fact]
    public void Setting_a_new_field_appends_it_before_the_final_brace_and_keeps_every_other_byte()
    {
        const string raw = """{"class":"X","args":["a/é",{"b":"}"}],"id":"q/1"}""";
        Assert.Equal("""{"class":"X","args":["a/é",{"b":"}"}],"id":"q/1","pool_iteration":{"cursor":3}}""",
            PayloadFields.Set(raw, "pool_iteration", """{"cursor":3}"""));
    }

    [Fact]
    public void Setting_an_existing_field_replaces_only_its_value_even_when_it_is_not_last()
    {
        const string raw = """{"class":"X","args":[],"pool_iteration":{"cursor":"a}\"b"},"pool_attempts":1}""";
        Assert.Equal("""{"class":"X","args":[],"pool_iteration":{"cursor":7},"pool_attempts":1}""",
            PayloadFields.Set(raw, "pool_iteration", """{"cursor":7}"""));
    }

    [Fact]
    public void Only_top_level_fields_count_and_an_empty_object_gets_no_stray_comma()
    {
        const string raw = """{"class":"X","args":[{"pool_iteration":1}]}""";
        Assert.Null(PayloadFields.Get(raw, "pool_iteration"));
        Assert.Equal("""{"f":2}""", PayloadFields.Set("{}", "f", "2"));
        Assert.Equal("[{\"pool_iteration\":1}]", PayloadFields.Get(raw, "args"));
    }
}
