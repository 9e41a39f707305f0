using Pool.Master.Capacity;

namespace Pool.Master.Tests.Capacity;

/// <summary>
/// The limit as the kernel lays it out, in a fake / tree (the layouts of a cgroup v2 host, a v1
/// host like this Firecracker VM, and a container). The real files are read in MemoryLimitProcessTests.
/// </summary>
public sealed class MemoryLimitReaderTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("pool-memlimit").FullName;

    private void Write(string path, string text)
    {
        var full = Path.Join(_root, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text);
    }

    private MemoryLimit Read() => new MemoryLimitReader(_root).Read();

    private const long Mb = 1024 * 1024;

    public MemoryLimitReaderTests() => Write("proc/meminfo", "MemTotal:        8000000 kB\nMemFree:         100 kB\n");

    [Fact]
    public void Without_a_cgroup_limit_it_is_the_machines_memory()
    {
        Write("proc/self/cgroup", "0::/user.slice\n");
        Write("proc/self/mountinfo", "30 25 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
        Write("sys/fs/cgroup/user.slice/memory.max", "max\n");

        var limit = Read();

        Assert.Equal(8_000_000L * 1024, limit.Bytes);
        Assert.Equal("/proc/meminfo MemTotal", limit.Source);
        Assert.Null(limit.OomEventsPath);
    }

    [Fact]
    public void Cgroup_v2_memory_max_binds_and_a_parents_tighter_limit_wins()
    {
        Write("proc/self/cgroup", "0::/app.slice/pool.service\n");
        Write("proc/self/mountinfo", "30 25 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
        Write("sys/fs/cgroup/app.slice/pool.service/memory.max", $"{1024 * Mb}\n");
        Write("sys/fs/cgroup/app.slice/memory.max", $"{512 * Mb}\n");

        var limit = Read();

        Assert.Equal(512 * Mb, limit.Bytes);
        Assert.Equal("cgroup v2 /sys/fs/cgroup/app.slice/memory.max", limit.Source);
        Assert.Equal("/sys/fs/cgroup/app.slice/memory.events", limit.OomEventsPath);
    }

    [Theory]
    [InlineData("low 0\nhigh 0\nmax 12\noom 3\noom_kill 2\noom_group_kill 0\n", 2L)]
    [InlineData("oom_kill_disable 0\nunder_oom 0\noom_kill 17\n", 17L)]
    [InlineData("oom_kill_disable 0\nunder_oom 0\n", null)]
    public void The_oom_kill_count_is_read_from_memory_events_or_memory_oom_control(string text, long? count)
    {
        Write("sys/fs/cgroup/pool/memory.events", text);
        Assert.Equal(count, new OomKillCounter("/sys/fs/cgroup/pool/memory.events", _root).Read());
        Assert.Null(new OomKillCounter("/sys/fs/cgroup/gone/memory.events", _root).Read());
    }

    [Fact]
    public void Cgroup_v1_memory_limit_in_bytes_binds_and_its_no_limit_value_does_not()
    {
        Write("proc/self/cgroup", "4:memory:/process_api/abc\n0::/\n");
        Write("proc/self/mountinfo", "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n31 1 0:1 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n");
        Write("sys/fs/cgroup/memory/process_api/abc/memory.limit_in_bytes", $"{300 * Mb}\n");
        Write("sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n");

        var limit = Read();

        Assert.Equal(300 * Mb, limit.Bytes);
        Assert.StartsWith("cgroup v1 ", limit.Source);
        Assert.Equal("/sys/fs/cgroup/memory/process_api/abc/memory.oom_control", limit.OomEventsPath);
    }

    [Fact]
    public void In_a_container_the_cgroup_path_is_relative_to_the_mounted_root()
    {
        // A cgroup namespace: /proc/self/cgroup says "/", the mount's root is the container's cgroup.
        Write("proc/self/cgroup", "0::/\n");
        Write("proc/self/mountinfo", "600 590 0:26 /kubepods/pod1/c1 /sys/fs/cgroup ro - cgroup2 cgroup2 rw\n");
        Write("sys/fs/cgroup/memory.max", $"{256 * Mb}\n");

        Assert.Equal(256 * Mb, Read().Bytes);
    }

    [Fact]
    public void A_cgroup_limit_above_the_machines_memory_is_no_limit()
    {
        Write("proc/self/cgroup", "0::/big\n");
        Write("proc/self/mountinfo", "30 25 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
        Write("sys/fs/cgroup/big/memory.max", $"{100_000 * Mb}\n");

        Assert.Equal("/proc/meminfo MemTotal", Read().Source);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("")]
    [InlineData("-5")]
    public void An_unreadable_limit_file_is_ignored(string text)
    {
        Write("proc/self/cgroup", "0::/x\n");
        Write("proc/self/mountinfo", "30 25 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
        Write("sys/fs/cgroup/x/memory.max", text);

        Assert.Equal(8_000_000L * 1024, Read().Bytes);
    }

    [Fact]
    public void Without_proc_there_is_no_known_limit()
    {
        File.Delete(Path.Join(_root, "proc/meminfo"));
        Assert.Equal(long.MaxValue, Read().Bytes);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
