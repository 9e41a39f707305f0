using System.CommandLine;
using Pool.Protocol.Admin;
using Pool.Master.Observability;

namespace Pool.Master.Cli.Commands;

/// <summary>
/// `pool-master pause|resume [QUEUES]`. Without queues: Resque's global flag, honoured by every
/// worker on every host (Ruby ones too). With a comma-separated list: Pool's per-queue set,
/// honoured by Pool workers only.
/// </summary>
internal static class PauseCommands
{
    public static Command BuildPause() => Build("pause",
        "stop every worker on every host from taking new jobs; with QUEUES (a,b) only those queues, for Pool workers",
        (control, queues) => queues is null ? control.PauseAllAsync() : control.PauseQueuesAsync(queues),
        queues => queues is null ? "paused all workers" : $"paused queue(s) {string.Join(',', queues)}");

    public static Command BuildResume() => Build("resume",
        "clear the global pause; with QUEUES (a,b) take only those queues off Pool's paused set",
        (control, queues) => queues is null ? control.ResumeAllAsync() : control.ResumeQueuesAsync(queues),
        queues => queues is null ? "resumed all workers" : $"resumed queue(s) {string.Join(',', queues)}");

    private static Command Build(string name, string description,
        Func<PauseControl, IReadOnlyList<string>?, Task<PauseState>> change, Func<IReadOnlyList<string>?, string> done)
    {
        var queuesArgument = new Argument<string?>("queues")
        {
            Description = "comma-separated queue list; omit it for the global pause flag",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var command = AdminContext.WithOptions(new Command(name, description));
        command.Arguments.Add(queuesArgument);
        command.SetAction((result, _) => AdminContext.RunAsync(result, name, async ctx =>
        {
            var queues = result.GetValue(queuesArgument)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            // Pausing a name no worker could serve pauses nothing; resuming one stays possible, to clear it.
            if (name == "pause" && queues?.Select(QueueNameRule.Problem).FirstOrDefault(p => p is not null) is { } bad) return AdminContext.Fail(name, bad);
            var state = await change(new PauseControl(ctx.Db, ctx.Keys), queues).ConfigureAwait(false);
            if (ctx.Json) JsonOutput.Write(new { Paused = new { state.All, state.Queues } });
            else Console.Out.WriteLine($"{done(queues)}; now {Describe(state)}");
            return 0;
        }));
        return command;
    }

    internal static string Describe(PauseState state)
    {
        var all = state.All ? "all workers paused" : "no global pause";
        return state.Queues.Count == 0 ? $"{all}, no queue paused" : $"{all}, paused queues: {string.Join(',', state.Queues)}";
    }
}
