using Pool.Samples;
using Pool.Samples.AotWorker;
using Pool.Worker.Hosting;

// POSIX signals, getppid and process groups: the worker runs on Linux and other Unixes.
if (OperatingSystem.IsWindows())
{
    await Console.Error.WriteLineAsync("pool-samples-worker runs on Linux and other Unix systems only").ConfigureAwait(false);
    return 2;
}

// Native AOT loads no assemblies at run time: every job class is named here, which also keeps
// its Perform method and constructors through trimming. The app's own argument records bind
// through contracts generated at build time.
return await PoolWorkerHost.RunAsync(args, jobs => jobs
    .Add<AppendLines>().Add<CountTo>().Add<CountToInSlices>().Add<Crash>().Add<Echo>()
    .Add<ExportRows>().Add<Fail>().Add<Flaky>().Add<Hog>().Add<Noop>()
    .Add<Record>().Add<RecordSpan>().Add<Sleep>().Add<Stamp>().Add<Stubborn>()
    .Add<ChargeInvoice>()
    .AddJsonContracts(AotWorkerJson.Default)).ConfigureAwait(false);
