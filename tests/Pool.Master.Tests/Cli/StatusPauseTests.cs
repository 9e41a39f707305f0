using Pool.Master.Cli.Commands;
using Pool.Protocol.Admin;

namespace Pool.Master.Tests.Cli;

/// <summary>
/// A master's own pause is not in Resque's keys: after `kill -USR2 MASTER`, `pool-master status`
/// said "paused: no global pause" and listed every worker as idle while jobs waited, and only
/// /status (`"state": "workers-paused"`) told why. status now reads each master's published state.
/// </summary>
public sealed class StatusPauseTests
{
    private static MasterRecord Master(string id, int pid, string state) =>
        new(id, "web-2", pid, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, state, 0, null, []);

    [Fact]
    public void Status_names_the_masters_that_hold_their_workers_paused_or_stopped_and_how_to_resume()
    {
        var masters = new[] { Master("web-2:4201", 4201, "workers-paused"), Master("web-3:77", 77, "running"), Master("web-4:9", 9, "paused") };

        var pausing = StatusCommand.PausingMasters(masters);

        Assert.Equal(["web-2:4201", "web-4:9"], pausing.Select(m => m.Id));
        Assert.Equal(
            "paused: master web-2:4201 holds its workers paused (USR2): they take no new jobs until CONT (kill -CONT 4201 on its host)\n" +
            "paused: master web-4:9 stopped its workers (WINCH); it starts them again on HUP (kill -HUP 9 on its host)\n",
            StatusCommand.MasterPauses(pausing));
        Assert.Equal("", StatusCommand.MasterPauses(StatusCommand.PausingMasters([Master("web-3:77", 77, "running")])));
    }

    [Fact]
    public void A_master_id_from_redis_is_shown_escaped_on_its_one_line()
    {
        var line = StatusCommand.MasterPauses([Master("evil\nhost:1", 1, "workers-paused")]);
        Assert.Single(line.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
