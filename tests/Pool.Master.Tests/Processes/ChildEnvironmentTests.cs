using Pool.Master.Config;
using Pool.Master.Processes;

namespace Pool.Master.Tests.Processes;

public sealed class ChildEnvironmentTests
{
    private static readonly WorkerGroup Group = new("mail", ["mail"], 1);

    /// <summary>resque-pool's -E sets RACK_ENV, RAILS_ENV and RESQUE_ENV for its workers, so a `rake resque:work` child boots that environment.</summary>
    [Fact]
    public void The_environment_named_by_the_flag_reaches_the_workers_under_resque_pools_names_and_pools()
    {
        var settings = new MasterSettings { ConfigPath = "pool.yml", RedisUrl = "redis://localhost", WorkerCommand = ["w"], Environment = "production", EnvironmentFromFlag = true };
        var env = ChildEnvironment.For(settings, Group, 0, 1);
        Assert.All(["RACK_ENV", "RAILS_ENV", "RESQUE_ENV", "POOL_ENV"], name => Assert.Equal("production", env[name]));

        // Chosen by a variable, it is already in the environment the workers inherit, as the user spelt it.
        var fromVariable = ChildEnvironment.For(settings with { EnvironmentFromFlag = false }, Group, 0, 1);
        Assert.DoesNotContain("RAILS_ENV", fromVariable.Keys);
    }
}
