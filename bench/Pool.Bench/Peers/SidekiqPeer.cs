using System.Diagnostics;
using Pool.Testing;

namespace Pool.Bench.Peers;

/// <summary>
/// Sidekiq as Debian ships it (ruby-sidekiq), run as 2 processes of concurrency 5 against the
/// bench's own Redis: the peer Pool is measured beside, in the same run, on the same machine.
/// </summary>
public sealed class SidekiqPeer : IDisposable
{
    /// <summary>Sidekiq's own default thread count per process, the shape the peer is measured in.</summary>
    public const int DefaultConcurrency = 5;

    public const string JobsRuby = """
        require "redis"
        require "sidekiq"
        # redis-rb 4.8 prints a deprecation warning on every BRPOP Sidekiq 6.4 sends; that
        # console write per fetch is not Sidekiq's real cost, so silence it.
        Redis.silence_deprecations = true
        class NoopJob
          include Sidekiq::Worker
          sidekiq_options retry: false
          def perform(*); end
        end
        class SleepJob
          include Sidekiq::Worker
          sidekiq_options retry: false
          def perform(seconds) = sleep(seconds)
        end
        class StampJob
          include Sidekiq::Worker
          sidekiq_options retry: false
          def perform(path)
            now = Process.clock_gettime(Process::CLOCK_REALTIME, :microsecond)
            File.open(path, "a") { |f| f.write("#{now}\n") }
          end
        end
        """;

    private readonly List<TestProcess> _processes = [];

    /// <summary>The Sidekiq processes (each shell execs, so these are Sidekiq's own pids).</summary>
    public IEnumerable<int> Pids => _processes.Select(p => p.Pid);

    public static void EnsureInstalled()
    {
        if (File.Exists("/usr/bin/sidekiq")) return;
        Console.Error.WriteLine("[bench] installing ruby-sidekiq with apt-get...");
        var sudo = Environment.UserName == "root" ? "" : "sudo ";
        Run("bash", "-c", $"{sudo}apt-get update -qq && DEBIAN_FRONTEND=noninteractive {sudo}apt-get install -y -qq ruby-sidekiq >/dev/null");
        if (!File.Exists("/usr/bin/sidekiq")) throw new InvalidOperationException("ruby-sidekiq did not install");
    }

    public static string Version() => Run("ruby", "-e", "require 'sidekiq'; print Sidekiq::VERSION");

    /// <summary>Starts the processes and waits until each has registered (its first heartbeat).</summary>
    public static SidekiqPeer Start(string redisUrl, string scratch, string queue, int processes = 2, int concurrency = DefaultConcurrency)
    {
        var file = Path.Combine(scratch, "sidekiq_jobs.rb");
        File.WriteAllText(file, JobsRuby);
        var peer = new SidekiqPeer();
        for (var i = 0; i < processes; i++)
        {
            // Sidekiq logs every job; send that to a file as a deployment would, so the bench
            // process does not spend CPU reading it.
            var log = Path.Combine(scratch, $"sidekiq-{i}.log");
            peer._processes.Add(TestProcess.Start("bash", ["-c", $"exec sidekiq -c {concurrency} -q {queue} -r '{file}' >'{log}' 2>&1"],
                new Dictionary<string, string?> { ["REDIS_URL"] = redisUrl, ["RACK_ENV"] = "production" }, scratch));
        }
        return peer;
    }

    /// <summary>Sidekiq registers each process in the `processes` set on its first heartbeat.</summary>
    public void WaitUntilReady(StackExchange.Redis.IDatabase db) =>
        Wait.Until(() => db.SetLength("processes") >= _processes.Count, TimeSpan.FromSeconds(60), "Sidekiq processes registered");

    public void Dispose()
    {
        foreach (var p in _processes)
        {
            p.Signal(Mono.Unix.Native.Signum.SIGTERM);
            try { p.WaitForExit(TimeSpan.FromSeconds(15)); }
            catch (TimeoutException) { }
            p.Dispose();
        }
    }

    private static string Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true };
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return output;
    }
}
