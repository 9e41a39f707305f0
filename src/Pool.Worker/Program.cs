return await Pool.Worker.Hosting.PoolWorkerHost.RunAsync(args).ConfigureAwait(false);
