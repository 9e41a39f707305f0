using System.CommandLine;
using Pool.Master.Cli;
using Pool.Master.Signals;

// First, before anything starts the runtime's signal handling: a signal the master handles but
// its parent ignored (a script's `pool-master &`, nohup) would otherwise never arrive.
InheritedIgnores.Restore(SignalNames.Handled);

// ProcessTerminationTimeout = null: System.CommandLine must not handle SIGINT/SIGTERM itself.
// Its default cancels the action and gives up after 2 s, which would cut a graceful drain
// (term_timeout is 25 s) short. The master registers its own handlers (Signals/SignalListener).
var invocation = new InvocationConfiguration { ProcessTerminationTimeout = null };
return await MasterCommandLine.Build().Parse(args).InvokeAsync(invocation).ConfigureAwait(false);
