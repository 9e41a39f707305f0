using Pool.Worker.Iteration;

namespace Pool.Worker.Tests.Iteration;

public sealed class EnumerationTests
{
    private static async Task<List<(T Item, TC Next)>> All<T, TC>(Enumeration<T, TC> e, Resume<TC> from)
    {
        var list = new List<(T, TC)>();
        await foreach (var step in e.ReadAsync(from, CancellationToken.None)) list.Add(step);
        return list;
    }

    [Fact]
    public async Task A_range_resumes_at_the_number_after_the_cursor()
    {
        Assert.Equal([(0L, 1L), (1, 2), (2, 3)], await All(Enumerate.Range(0, 3), Resume<long>.Start));
        Assert.Equal([(2L, 3L)], await All(Enumerate.Range(0, 3), Resume<long>.From(2)));
    }

    [Fact]
    public async Task A_list_resumes_at_the_index_after_the_cursor()
    {
        Assert.Equal([("c", 3)], await All(Enumerate.Items<string>(["a", "b", "c"]), Resume<int>.From(2)));
    }

    [Fact]
    public async Task File_lines_resume_at_the_byte_offset_of_the_next_line_with_utf8_and_crlf()
    {
        var path = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(path, "é1\r\ntwo\n\nlast");
            var all = await All(Enumerate.Lines(path), Resume<long>.Start);
            Assert.Equal(["é1", "two", "", "last"], all.Select(s => s.Item));
            Assert.Equal([5L, 9, 10, 14], all.Select(s => s.Next));
            var resumed = await All(Enumerate.Lines(path), Resume<long>.From(all[1].Next));
            Assert.Equal(["", "last"], resumed.Select(s => s.Item));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Batches_ask_for_the_keys_after_the_last_one_done()
    {
        var asked = new List<string>();
        var keys = Enumerate.Batches<string>((after, size, _) =>
        {
            asked.Add(after.IsStart ? "start" : after.Cursor);
            var from = after.IsStart ? 0 : int.Parse(after.Cursor[1..]) + 1;
            IReadOnlyList<string> page = Enumerable.Range(from, Math.Max(0, Math.Min(size, 5 - from))).Select(i => $"k{i}").ToList();
            return Task.FromResult(page);
        }, 2);

        var all = await All(keys, Resume<string>.Start);
        Assert.Equal(["k1", "k3", "k4"], all.Select(s => s.Next));
        Assert.Equal(["start", "k1", "k3"], asked);
        Assert.Equal(["k4"], (await All(keys, Resume<string>.From("k3"))).Select(s => s.Next));
    }

    [Fact]
    public void The_payload_field_round_trips_and_a_missing_one_means_a_fresh_start()
    {
        var state = new IterationState("\"k9\"", 2, 1500);
        var payload = state.WriteInto("""{"class":"X","args":[1]}""");
        Assert.Equal("""{"class":"X","args":[1],"pool_iteration":{"cursor":"k9","interruptions":2,"run_time_ms":1500}}""", payload);
        Assert.Equal(state, IterationState.Read(payload));
        Assert.Equal(IterationState.Fresh, IterationState.Read("""{"class":"X","args":[]}"""));
    }
}
