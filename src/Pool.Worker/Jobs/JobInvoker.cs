using System.Reflection;
using Microsoft.Extensions.DependencyInjection;

namespace Pool.Worker.Jobs;

/// <summary>Creates a job (through DI when a service provider is given) and runs its Perform method.</summary>
internal sealed class JobInvoker(IServiceProvider? services)
{
    public async Task InvokeAsync(JobDescriptor job, object?[] arguments)
    {
        object? instance = null;
        if (!job.Method.IsStatic)
        {
            instance = services is not null
                ? ActivatorUtilities.CreateInstance(services, job.Type)
                : Activator.CreateInstance(job.Type);
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
                case Task task: await task.ConfigureAwait(false); break;
                case ValueTask valueTask: await valueTask.ConfigureAwait(false); break;
            }
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
