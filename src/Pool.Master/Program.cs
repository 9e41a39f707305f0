using System.CommandLine;
using Pool.Master.Cli;

// ProcessTerminationTimeout = null: System.CommandLine must not handle SIGINT/SIGTERM itself.
// Its default cancels the action and gives up after 2 s, which would cut a graceful drain
// (term_timeout is 25 s) short. The master registers its own handlers (Signals/SignalListener).
var invocation = new InvocationConfiguration { ProcessTerminationTimeout = null };
return await MasterCommandLine.Build().Parse(args).InvokeAsync(invocation).ConfigureAwait(false);
