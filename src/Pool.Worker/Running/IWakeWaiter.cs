using Pool.Protocol.Working;

namespace Pool.Worker.Running;

/// <summary>An idle lane's wait for work (<see cref="WakeWaiter"/> on Redis); a seam, so the loop can run in process.</summary>
internal interface IWakeWaiter
{
    /// <summary>The job an enqueue handed to this worker, or null after a wake token or the poll interval.</summary>
    Task<Reservation?> WaitAsync();
}
