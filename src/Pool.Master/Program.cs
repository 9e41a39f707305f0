using System.CommandLine;
using Pool.Master.Cli;
using Pool.Signals;

// First, before anything starts the runtime's signal handling: a signal the master handles but
// its parent ignored (a script's `pool-master &`, nohup) would otherwise never arrive.
InheritedIgnores.Restore(SignalNames.MasterHandles);

// Second, for `run`: take the handled signals over now and hold them until the loop exists. Until
// this line a USR2 (default action: terminate) could kill a master in its first moments. Other
// commands keep the defaults, so Ctrl-C still ends a `status`.
using var inbox = MasterCommandLine.IsRun(args) ? new SignalInbox(SignalNames.MasterHandles) : null;

// ProcessTerminationTimeout = null: System.CommandLine must not handle SIGINT/SIGTERM itself.
// Its default cancels the action and gives up after 2 s, which would cut a graceful drain
// (term_timeout is 25 s) short. The master handles them itself (the inbox above).
var invocation = new InvocationConfiguration { ProcessTerminationTimeout = null };
var parsed = MasterCommandLine.Build(inbox).Parse(args);
return UsageErrors.Report(parsed, Console.Error) ?? await parsed.InvokeAsync(invocation).ConfigureAwait(false);
