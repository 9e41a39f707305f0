using System.Text.Json;
using Pool.Protocol.Working;
using Pool.Testing;

namespace Pool.Master.Tests.Ops;

/// <summary>The operator's commands as a user runs them: the published pool-master against a real Redis.</summary>
public sealed class AdminCommandTests(RedisFixture redis) : OpsTest(redis, "ops")
{

    [Fact]
    public void Enqueue_reads_each_arg_as_json_or_else_as_a_string_and_wakes_a_worker()
    {
        var (code, output) = Cli.Run("enqueue", "default", "Record", "/tmp/x", "hello");
        Assert.Equal(0, code);
        Assert.Equal("""enqueued {"class":"Record","args":["/tmp/x","hello"]} on default (1 job in the queue now)""", output);

        Assert.Equal(0, Cli.Run("enqueue", "default", "Sleep", "2", "--json").Code);

        Assert.Equal(["""{"class":"Record","args":["/tmp/x","hello"]}""", """{"class":"Sleep","args":[2]}"""],
            Db.ListRange(Keys.Queue("default")).Select(v => (string)v!));
        Assert.Equal(2, Db.ListLength(Keys.Wake("default")));
    }

    /// <summary>
    /// A hostile trial: the enqueue said "handed to an idle worker at once" of a worker that only
    /// registered as idle; such a worker may never read its mailbox at once (this one never waits
    /// at all, as one refused BLPOP). The enqueue says only what its script knows.
    /// </summary>
    [Fact]
    public async Task Enqueue_says_so_when_it_reserves_the_job_for_an_idle_worker_and_no_more()
    {
        var idle = new WorkerStore(Db, Keys, "h:1:mail", ["mail"]);
        await idle.RegisterAsync();
        Assert.Equal(ReserveStatus.Empty, (await idle.ReserveAsync(null)).Status);

        var (code, output) = Cli.Run("enqueue", "mail", "Noop");
        Assert.Equal(0, code);
        Assert.Equal("""enqueued {"class":"Noop","args":[]} on mail (reserved for a Pool worker registered as idle on it; 0 jobs in the queue now)""", output);
        Assert.DoesNotContain("at once", output, StringComparison.Ordinal);
        Assert.Equal("""{"class":"Noop","args":[]}""", (string?)await Db.HashGetAsync(Keys.InFlight(idle.WorkerId), "payload"));
    }

    [Fact]
    public async Task Status_shows_queues_workers_with_their_job_pause_state_and_totals_as_text_and_json()
    {
        Cli.Run("enqueue", "mail", "Send", "a");
        Cli.Run("enqueue", "mail", "Send", "b");
        var worker = new WorkerStore(Db, Keys, "web-1:42:mail", ["mail"]);
        await worker.RegisterAsync();
        await worker.ReserveAsync(null);
        await Db.SetAddAsync(Keys.Workers, "ruby-1:7:mail");
        await Db.StringSetAsync(Keys.StatProcessed, 5);
        Cli.Run("pause", "mail");

        var (code, text) = Cli.Run("status");
        Assert.Equal(0, code);
        Assert.Contains("processed 5, failed 0", text);
        Assert.Matches(@"mail\s+1\s+paused", text);
        Assert.Matches(@"web-1\s+42\s+mail\s+pool\s+Send on mail\s+\d+s", text);
        Assert.Matches(@"ruby-1\s+7\s+mail\s+foreign\s+idle", text);

        var (jsonCode, json) = Cli.Run("status", "--json");
        Assert.Equal(0, jsonCode);
        var root = JsonDocument.Parse(json).RootElement;
        Assert.Equal(1, root.GetProperty("queues")[0].GetProperty("length").GetInt32());
        Assert.Equal(["mail"], root.GetProperty("paused").GetProperty("queues").EnumerateArray().Select(e => e.GetString()));
        var pool = root.GetProperty("workers").EnumerateArray().Single(w => w.GetProperty("kind").GetString() == "pool");
        Assert.Equal("Send", pool.GetProperty("job").GetProperty("class").GetString());
    }

    [Fact]
    public void Pause_and_resume_set_and_clear_the_global_flag_or_the_named_queues()
    {
        Assert.Equal((0, "paused all workers; now all workers paused, no queue paused"), Cli.Run("pause"));
        Assert.Equal("true", (string?)Db.StringGet(Keys.PauseAll));
        Assert.Equal(0, Cli.Run("pause", "high,low").Code);
        Assert.Equal(0, Cli.Run("resume").Code);
        Assert.False(Db.KeyExists(Keys.PauseAll));
        Assert.Equal((0, "resumed queue(s) high; now no global pause, paused queues: low"), Cli.Run("resume", "high"));
        Assert.Equal(["low"], Db.SetMembers(Keys.PausedQueues).Select(v => (string)v!));
    }

    [Fact]
    public void Failed_commands_list_show_retry_remove_and_clear_resques_failed_list()
    {
        const string entry = """{"failed_at":"2026/11/25 13:33:11 UTC","payload":{"class":"Fail","args":["boom"],"pool_attempts":3},"exception":"Pool::PoisonJob","error":"poison","backtrace":["at X"],"worker":"h:1:q","queue":"q"}""";
        Db.ListRightPush(Keys.Failed, [entry, entry.Replace("boom", "bang")]);

        var (listCode, list) = Cli.Run("failed", "list");
        Assert.Equal(0, listCode);
        Assert.Contains("2 failed jobs", list);
        Assert.Matches(@"0\s+2026/11/25 13:33:11 UTC\s+q\s+Fail\s+Pool::PoisonJob\s+poison", list);
        Assert.Contains("at X", Cli.Run("failed", "show", "0").Output);
        Db.ListRightPush(Keys.Failed, "garbage from a foreign writer");
        Assert.Contains("stored as:  garbage from a foreign writer", Cli.Run("failed", "show", "2").Output);
        Db.ListRightPop(Keys.Failed);
        Assert.Equal(2, JsonDocument.Parse(Cli.Run("failed", "list", "--json").Output).RootElement.GetProperty("total").GetInt32());

        Assert.Equal((0, """retried 1 job: {"class":"Fail","args":["boom"]} on q"""), Cli.Run("failed", "retry", "0"));
        Assert.Equal("""{"class":"Fail","args":["boom"]}""", (string?)Db.ListGetByIndex(Keys.Queue("q"), 0));
        Assert.Contains("\"retried_at\":", (string?)Db.ListGetByIndex(Keys.Failed, 0));
        Assert.Equal((0, "retried 2 jobs"), Cli.Run("failed", "retry", "--all"));
        Assert.Equal(3, Db.ListLength(Keys.Queue("q")));

        Assert.Equal((0, "removed 1 job"), Cli.Run("failed", "remove", "1"));
        Assert.Equal(1, Cli.Run("failed", "remove", "7").Code);
        Assert.Equal((0, "removed 1 job"), Cli.Run("failed", "clear"));
        Assert.False(Db.KeyExists(Keys.Failed));
    }

    [Theory]
    [InlineData("retry", "-1", "N must be 0 or more")]
    [InlineData("remove", "-1", "N must be 0 or more")]
    [InlineData("show", "-2", "N must be 0 or more")]
    [InlineData("retry", "2", "no failed job at index 2: the failed list has 2 jobs, 0 to 1")]
    [InlineData("remove", "5", "no failed job at index 5: the failed list has 2 jobs, 0 to 1")]
    public void Failed_refuses_a_negative_or_out_of_range_index_in_one_line_and_changes_nothing(string command, string index, string error)
    {
        const string entry = """{"failed_at":"2026/11/25 13:33:11 UTC","payload":{"class":"Fail","args":["boom"]},"exception":"E","error":"e","backtrace":[],"worker":"h:1:q","queue":"q"}""";
        Db.ListRightPush(Keys.Failed, [entry, entry.Replace("boom", "bang")]);

        var (code, output) = Cli.Run("failed", command, index);

        Assert.Equal(1, code);
        Assert.StartsWith($"stderr: pool-master failed {command}: ", Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        Assert.Contains(error, output);
        Assert.Equal([entry, entry.Replace("boom", "bang")], Db.ListRange(Keys.Failed).Select(v => (string)v!));
        Assert.False(Db.KeyExists(Keys.Queue("q")));
    }

    [Fact]
    public void Enqueue_without_arguments_says_what_is_missing_once_in_one_line()
    {
        var (code, output) = Cli.Run("enqueue");

        Assert.Equal(1, code);
        Assert.Equal("stderr: pool-master enqueue: missing <queue> and <class>; usage: pool-master enqueue <queue> <class> [<args>...] (see pool-master enqueue --help)", output);
    }

    [Theory]
    [InlineData("bad queue")]
    [InlineData("a,b")]
    public void Enqueue_refuses_a_queue_name_no_worker_could_list(string queue)
    {
        var (code, output) = Cli.Run("enqueue", queue, "Noop");

        Assert.Equal(1, code);
        Assert.StartsWith($"stderr: pool-master enqueue: queue name '{queue}'", output);
        Assert.False(Db.KeyExists(Keys.Queue(queue)));
    }

    /// <summary>What no worker could run as meant is refused in one line, and nothing is enqueued.</summary>
    [Theory]
    [InlineData("the job class is empty", "q", "")]
    [InlineData("'--bogus' is not an option of enqueue; to pass it as a job argument, put -- before the arguments", "q", "Noop", "--bogus")]
    [InlineData("argument '1e400' holds a number beyond a double's range", "q", "Sleep", "1e400")]
    [InlineData("argument '{\"a\":[1e999]}' holds a number beyond a double's range", "q", "Sleep", "{\"a\":[1e999]}")]
    public void Enqueue_refuses_what_no_worker_could_run_as_meant(string problem, params string[] args)
    {
        var (code, output) = Cli.Run(["enqueue", .. args]);

        Assert.Equal(1, code);
        Assert.StartsWith($"stderr: pool-master enqueue: {problem}", output);
        Assert.Equal(0, Db.ListLength(Keys.Queue("q")));
    }

    [Fact]
    public void Pause_refuses_a_queue_name_no_worker_could_list_and_lists_refuse_a_limit_below_one()
    {
        var (code, output) = Cli.Run("pause", "a b");
        Assert.Equal(1, code);
        Assert.StartsWith("stderr: pool-master pause: queue name 'a b'", output);
        Assert.Equal(0, Db.SetLength(Keys.PausedQueues));

        (code, output) = Cli.Run("enqueue", new string('q', 1025), "Noop");
        Assert.Equal(1, code);
        Assert.Contains("longer than pool.yml allows (1,024)", output);

        (code, output) = Cli.Run("delayed", "list", "--limit", "-1");
        Assert.Equal(1, code);
        Assert.Contains("--limit must be 1 or more", output);

        // Values that do not parse are the parser's one line, not an unhandled exception.
        foreach (var args in new[] { new[] { "delayed", "list", "--limit", "abc" }, ["delayed", "list", "--limit", "99999999999999"], ["failed", "list", "--offset", "-1"] })
        {
            (code, output) = Cli.Run(args);
            Assert.Equal(1, code);
            Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.DoesNotContain("Unhandled", output);
        }
    }

    /// <summary>Queue names and job arguments are anyone's text: a table shows each on one line, cut to a width.</summary>
    [Fact]
    public void Status_shows_a_queue_name_with_a_newline_on_one_line()
    {
        Db.SetAdd(Keys.Queues, "evil\nname");
        Db.ListRightPush(Keys.Queue("evil\nname"), """{"class":"A","args":[]}""");
        Db.SetAdd(Keys.PausedQueues, "evil\nname"); // the "paused:" line names it too

        var (code, output) = Cli.Run("status");
        Assert.Equal(0, code);
        Assert.Contains("; queues evil\\nname", output);
        Assert.DoesNotContain(output.Split('\n'), l => l.TrimStart().StartsWith("name ", StringComparison.Ordinal) || l.TrimStart().StartsWith("name,", StringComparison.Ordinal));
    }

    [Fact]
    public void Enqueue_takes_an_option_lookalike_as_an_argument_after_a_double_dash()
    {
        Assert.Equal(0, Cli.Run("enqueue", "q", "Noop", "--", "--bogus").Code);
        Assert.Equal("""{"class":"Noop","args":["--bogus"]}""", (string?)Db.ListGetByIndex(Keys.Queue("q"), 0));
    }

    [Fact]
    public void A_flag_value_of_the_wrong_type_is_named_in_plain_words()
    {
        var (code, output) = Cli.Run("failed", "show", "abc");
        Assert.Equal(1, code);
        Assert.Contains("as a whole number", output);
        Assert.DoesNotContain("System.", output);
    }

    [Theory]
    [InlineData("enqueue", "--help")]
    [InlineData("enqueue", "-h")]
    [InlineData("enqueue", "q", "--help")]
    public void Help_is_shown_even_where_the_required_arguments_are_missing(params string[] args)
    {
        var (code, output) = Cli.Run(args);

        Assert.Equal(0, code);
        Assert.Contains("push one job to a queue", output);
        Assert.Contains("Usage:", output);
        Assert.DoesNotContain("missing", output);
    }
}
