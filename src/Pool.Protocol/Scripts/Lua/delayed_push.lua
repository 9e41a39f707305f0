-- resque-scheduler's delayed_push, in one atomic step (Ruby makes three separate writes):
-- the job joins the bucket of its second, the reverse index names that bucket, and the second
-- joins the schedule. Then the leader is told, so it re-plans its next wake-up at once.
-- ARGV: ns, unix second, encoded job. Returns the bucket's length.
local at, job = ARGV[2], ARGV[3]
local bucket = 'delayed:' .. at
local n = redis.call('RPUSH', k(bucket), job)
redis.call('SADD', k('timestamps:' .. job), bucket)
redis.call('ZADD', k('delayed_queue_schedule'), at, at)
redis.call('PUBLISH', k('pool:scheduler:wake'), at)
return n
