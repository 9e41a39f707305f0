using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Pool.Worker.Iteration;

namespace Pool.Worker.Jobs;

/// <summary>Creates a job (through DI when a service provider is given) and runs its Perform method.</summary>
internal sealed class JobInvoker(IServiceProvider? services)
{
    /// <summary>
    /// Runs the job. For an iteration job, Perform only builds the enumeration; the walk happens
    /// here, with <paramref name="iteration"/>, before the instance is disposed.
    /// </summary>
    public async Task InvokeAsync(JobDescriptor job, object?[] arguments, IterationContext? iteration = null, CancellationToken abort = default)
    {
        object? instance = null;
        if (!job.Method.IsStatic)
        {
            try
            {
                instance = services is not null
                    ? ActivatorUtilities.CreateInstance(services, job.Type)
                    : Activator.CreateInstance(job.Type);
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                // The constructor's own exception, as for Perform: not "Exception has been thrown by the target of an invocation".
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException);
                throw;
            }
            catch (MissingMethodException e) when (services is null)
            {
                throw new MissingMethodException($"{e.Message} Constructor injection needs the jobs hosted with services (PoolWorkerHost.RunAsync with an IServiceProvider); under POOL_JOBS a job needs a public parameterless constructor.");
            }
        }
        try
        {
            object? result;
            try
            {
                result = job.Method.Invoke(instance, arguments);
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException);
                throw;
            }
            switch (result)
            {
                case Task task:
                    // A Task<T> stays the result: an iteration job takes its enumeration out of it
                    // itself, knowing T, where reading Result by reflection would not survive trimming.
                    await task.ConfigureAwait(false);
                    break;
                case ValueTask valueTask: await valueTask.ConfigureAwait(false); break;
            }
            if (iteration is not null && instance is IIterationJob walker)
                await walker.RunAsync(result, iteration, abort).ConfigureAwait(false);
        }
        finally
        {
            switch (instance)
            {
                case IAsyncDisposable ad: await ad.DisposeAsync().ConfigureAwait(false); break;
                case IDisposable d: d.Dispose(); break;
            }
        }
    }
}
