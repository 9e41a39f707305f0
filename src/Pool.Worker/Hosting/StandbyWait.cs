using Pool.Settings;

namespace Pool.Worker.Hosting;

/// <summary>
/// A standby worker (a group's `standby: N` in pool.yml): started, connected to Redis and ready
/// to register, it waits for the master to hand it the slot of a worker that died. The master
/// writes one line, "slot N", to its stdin; the worker then registers and takes jobs at once, so
/// the slot is back in service without a process start (about 250 ms of runtime start-up, job
/// loading and connecting, on the machine the README's figures come from). End of input means
/// the master is gone: the standby holds nothing, so it exits.
/// </summary>
internal static class StandbyWait
{
    /// <summary>Whether the master started this process as a standby.</summary>
    public static bool Requested => Environment.GetEnvironmentVariable(PoolVariables.Standby) == "1";

    /// <summary>
    /// The slot the master gives, or null when the input ended (the master is gone) or the line
    /// is not "slot N". Cancelled by a stop: the blocking read cannot be interrupted, so it runs
    /// on a thread of its own that the exit leaves behind.
    /// </summary>
    public static Task<int?> ForSlotAsync(TextReader input, CancellationToken stop) =>
        Task.Factory.StartNew(() => StandbyPromotion.Parse(input.ReadLine()), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)
            .WaitAsync(stop);
}
