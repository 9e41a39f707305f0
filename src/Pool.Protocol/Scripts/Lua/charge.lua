-- A master is stopping these workers for memory (over twice memory_limit_mb): the job each one
-- runs now is charged a death when the worker requeues it (requeue.lua), as a crash would be,
-- so a job that blows the limit every time ends as poison instead of looping. Marks the job by
-- its rid, so a later job of the same worker is never charged.
-- ARGV: ns, max attempts, failed_at text, worker ids... Returns how many held a job.
local marked = 0
for i = 4, #ARGV do
  local inflight = k('pool:inflight:' .. ARGV[i])
  local rid = redis.call('HGET', inflight, 'rid')
  if rid then
    redis.call('HSET', inflight, 'charged_rid', rid, 'charged_max', ARGV[2], 'charged_at', ARGV[3])
    marked = marked + 1
  end
end
return marked
