using System.CommandLine;

namespace Pool.Master.Cli.Commands;

/// <summary>The operator's commands beside `run` and `check`: status, enqueue, pause, resume, failed.</summary>
public static class AdminCommands
{
    public static void AddTo(RootCommand root)
    {
        root.Subcommands.Add(StatusCommand.Build());
        root.Subcommands.Add(EnqueueCommand.Build());
        root.Subcommands.Add(PauseCommands.BuildPause());
        root.Subcommands.Add(PauseCommands.BuildResume());
        root.Subcommands.Add(FailedCommands.Build());
        root.Subcommands.Add(Web.WebCommand.Build());
        root.Subcommands.Add(DelayedCommands.Build());
        root.Subcommands.Add(RetryCommands.Build());
        root.Subcommands.Add(ScheduleCommands.Build());
    }
}
