-- Releases the master lock, only if it is still ours (as resque-scheduler's release does).
-- ARGV: ns, lock key, lock value. Returns 1 when released.
if redis.call('GET', ARGV[2]) == ARGV[3] then return redis.call('DEL', ARGV[2]) end
return 0
