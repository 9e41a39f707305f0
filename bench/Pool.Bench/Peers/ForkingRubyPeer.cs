using Pool.Testing;

namespace Pool.Bench.Peers;

/// <summary>
/// resque-pool's process shape, for memory figures only: a Ruby master that forks N Ruby workers,
/// each of which takes one job at a time with BLPOP and forks a child to run it (Resque's
/// default, FORK_PER_JOB), with the libraries Resque loads that Debian ships (redis,
/// redis-namespace, mono_logger, multi_json, json). Resque and resque-pool themselves are not
/// packaged by Debian and rubygems.org was not reachable here, so this is a lower bound of a real
/// resque-pool's memory (real workers also load resque and, usually, the application).
/// </summary>
public sealed class ForkingRubyPeer : IDisposable
{
    private const string Script = """
        require "json"
        require "redis"
        require "redis/namespace"
        require "mono_logger"
        require "multi_json"
        queue, workers = ARGV[0], Integer(ARGV[1])
        pids = workers.times.map do
          fork do
            redis = Redis::Namespace.new(:resque, redis: Redis.new(url: ENV.fetch("REDIS_URL")))
            logger = MonoLogger.new($stdout)
            loop do
              _, payload = redis.blpop("queue:#{queue}", timeout: 5)
              next unless payload
              job = MultiJson.load(payload)
              child = fork { sleep job["args"][0] }
              logger.info("forked #{child} for #{job['class']}")
              Process.wait(child)
            end
          end
        end
        trap("TERM") { pids.each { |p| Process.kill("KILL", p) rescue nil }; exit }
        Process.waitall
        """;

    private readonly TestProcess _master;

    private ForkingRubyPeer(TestProcess master) => _master = master;

    public int Pid => _master.Pid;

    /// <summary>Installs the Debian packages of the libraries it loads when Ruby cannot load them yet.</summary>
    public static void EnsureInstalled()
    {
        if (Loads()) return;
        Console.Error.WriteLine("[bench] installing ruby-redis-namespace ruby-mono-logger ruby-multi-json with apt-get...");
        var sudo = Environment.UserName == "root" ? "" : "sudo ";
        using var install = System.Diagnostics.Process.Start("bash", ["-c", $"{sudo}apt-get install -y -qq ruby-redis ruby-redis-namespace ruby-mono-logger ruby-multi-json >/dev/null"]);
        install.WaitForExit();
        if (!Loads()) throw new InvalidOperationException("the Ruby libraries of the resque-pool stand-in did not install");
    }

    private static bool Loads()
    {
        using var ruby = System.Diagnostics.Process.Start("ruby", ["-e", "require 'redis/namespace'; require 'mono_logger'; require 'multi_json'"]);
        ruby.WaitForExit();
        return ruby.ExitCode == 0;
    }

    public static ForkingRubyPeer Start(string redisUrl, string scratch, string queue, int workers)
    {
        var file = Path.Combine(scratch, "forking_pool.rb");
        File.WriteAllText(file, Script);
        return new ForkingRubyPeer(TestProcess.Start("ruby", [file, queue, workers.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            new Dictionary<string, string?> { ["REDIS_URL"] = redisUrl }, scratch));
    }

    public void Dispose()
    {
        _master.Signal(Mono.Unix.Native.Signum.SIGTERM);
        try { _master.WaitForExit(TimeSpan.FromSeconds(10)); }
        catch (TimeoutException) { }
        _master.Dispose();
    }
}
