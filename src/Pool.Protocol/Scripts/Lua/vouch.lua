-- A master vouches for its live children: it renews the lease of each one that is still a
-- registered Pool worker. The master sees a child die at once (and recovers its job then), so
-- while the master lives, a child that is alive but silent (SIGSTOP, a long GC pause, a Redis
-- call stuck behind an outage) keeps its lease and no sweep elsewhere starts a second copy of
-- its job. ARGV: ns, lease ms, worker ids... Returns how many leases were renewed.
local renewed = 0
for i = 3, #ARGV do
  if redis.call('SISMEMBER', k('pool:workers'), ARGV[i]) == 1 then
    redis.call('SET', k('pool:lease:' .. ARGV[i]), '1', 'PX', ARGV[2])
    renewed = renewed + 1
  end
end
return renewed
