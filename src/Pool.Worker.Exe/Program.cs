// POSIX signals, getppid and process groups: the worker runs on Linux and other Unixes.
if (OperatingSystem.IsWindows())
{
    await Console.Error.WriteLineAsync("pool-worker runs on Linux and other Unix systems only").ConfigureAwait(false);
    return 2;
}
return await Pool.Worker.Hosting.PoolWorkerHost.RunAsync(args).ConfigureAwait(false);
