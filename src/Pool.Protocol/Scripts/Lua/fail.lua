-- Move this worker's in-flight job to resque:failed. Ruby counts a failure as processed too.
-- ARGV: ns, worker id, rid, failure JSON (built by the caller in Resque's field order).
local id, rid = ARGV[2], ARGV[3]
local inflight = k('pool:inflight:' .. id)
if redis.call('HGET', inflight, 'rid') ~= rid then return 0 end
fail_entry(ARGV[4], id)
count('stat:failed', id)
count('stat:failed:' .. id, id)
count('stat:processed', id)
count('stat:processed:' .. id, id)
redis.call('DEL', inflight, k('worker:' .. id))
return 1
