using Pool.Master.Config;

namespace Pool.Master.Tests.Config;

public sealed class ConfigPrinterTests
{
    /// <summary>A hostile trial: `check` printed the same `jobs:` line again for each group with a pool-worker command of its own.</summary>
    [Fact]
    public void The_job_classes_are_one_line_when_every_command_loads_the_same_ones()
    {
        var text = ConfigPrinter.DescribeJobs([("2 job class(es): A, B", ["a"]), ("2 job class(es): A, B", ["b", "c,d"]), ("2 job class(es): A, B", ["e"])]);
        Assert.Equal("jobs: 2 job class(es): A, B\n", text);
    }

    [Fact]
    public void Different_job_classes_are_a_line_each_naming_the_groups_that_load_them()
    {
        var text = ConfigPrinter.DescribeJobs([("2 job class(es): A, B", ["a"]), ("1 job class(es): C", ["b"]), ("2 job class(es): A, B", ["c,d"])]);
        Assert.Equal("jobs of 'a', 'c,d': 2 job class(es): A, B\njobs of 'b': 1 job class(es): C\n", text);
    }

    [Fact]
    public void No_pool_worker_command_is_no_jobs_line() =>
        Assert.Equal("", ConfigPrinter.DescribeJobs([]));
}
