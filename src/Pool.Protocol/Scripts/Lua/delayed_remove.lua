-- resque-scheduler's remove_delayed (every bucket the reverse index names) or
-- remove_delayed_job_from_timestamp (one bucket), atomically; unlike Ruby it also drops a bucket
-- it leaves empty, with its schedule entry, in the same step.
-- ARGV: ns, encoded job, unix second or ''. Returns how many copies were removed.
local job = ARGV[2]
local index = k('timestamps:' .. job)
local buckets
if ARGV[3] ~= '' then buckets = {'delayed:' .. ARGV[3]} else buckets = redis.call('SMEMBERS', index) end
local removed = 0
for _, bucket in ipairs(buckets) do
  removed = removed + redis.call('LREM', k(bucket), 0, job)
  redis.call('SREM', index, bucket)
  if redis.call('LLEN', k(bucket)) == 0 then
    redis.call('DEL', k(bucket))
    redis.call('ZREM', k('delayed_queue_schedule'), string.sub(bucket, 9))
  end
end
return removed
