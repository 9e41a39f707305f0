using Pool.Master.Cli;

return await MasterCommandLine.Build().Parse(args).InvokeAsync().ConfigureAwait(false);
