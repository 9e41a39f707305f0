-- Replace the payload of this worker's in-flight job with a checkpointed one (an iteration
-- job's cursor), so that a kill -9 recovery requeues the job from where it got to.
-- ARGV: ns, worker id, rid, new payload. Returns 1, or 0 when the rid no longer matches.
local id, rid = ARGV[2], ARGV[3]
local inflight = k('pool:inflight:' .. id)
if redis.call('HGET', inflight, 'rid') ~= rid then return 0 end
redis.call('HSET', inflight, 'payload', ARGV[4])
return 1
