-- A job failed: schedule its retry in resque-retry's format, or, when its attempts are spent,
-- fail it for good. One atomic step, so a crash never leaves a job both retried and failed.
-- The attempt count is resque-retry's counter (0 after the first run) plus the worker deaths the
-- payload carries (pool_attempts, the poison rule's count): a crash spends an attempt here too,
-- and a retry's fresh payload starts the poison count over because the counter now holds it.
-- ARGV: ns, worker id, rid, final failure JSON, counter key, retries (negative: forever),
--       crashes, delayed job (resque-scheduler's encoding), queued payload, queue, now (unix s),
--       suppressed failure JSON, then the delay table (seconds after attempt 0, 1, ...; last reused).
-- Returns {0} when the job was no longer held, {1, attempt, delay} retried, {2, attempt} failed.
local id, rid = ARGV[2], ARGV[3]
local inflight = k('pool:inflight:' .. id)
if redis.call('HGET', inflight, 'rid') ~= rid then return {0, 0, 0} end
local counter, limit, crashes = ARGV[5], tonumber(ARGV[6]), tonumber(ARGV[7])
local before = tonumber(redis.call('GET', k(counter)) or '') or -1
local attempt = before + 1 + crashes
-- Like fail.lua (and Ruby, whose worker counts the failure whatever the backend does with it).
count('stat:failed', id)
count('stat:failed:' .. id, id)
count('stat:processed', id)
count('stat:processed:' .. id, id)
redis.call('DEL', inflight, k('worker:' .. id))

if limit < 0 or attempt < limit then
  local n = #ARGV - 12
  local delay = tonumber(ARGV[12 + math.min(attempt + 1, n)])
  -- resque-retry deletes the counter when the job succeeds: so does Pool's ack, for the retry
  -- carries the key (retry_marked). The expiry (an hour after the retry is due) only cleans up
  -- after a retry that Ruby cancelled, or that a Ruby scheduler moved without the key.
  redis.call('SET', k(counter), attempt, 'EX', delay + 3600)
  local queue, payload = ARGV[10], ARGV[9]
  if delay > 0 then
    redis.call('SET', k('failure-' .. counter), ARGV[12], 'EX', 2 * delay)
    local at = tostring(tonumber(ARGV[11]) + delay)
    local job = ARGV[8]
    redis.call('RPUSH', k('delayed:' .. at), job)
    redis.call('SADD', k('timestamps:' .. job), 'delayed:' .. at)
    redis.call('ZADD', k('delayed_queue_schedule'), at, at)
    redis.call('HSET', k('pool:retry-pending'), job, counter)
    redis.call('PUBLISH', k('pool:scheduler:wake'), at)
  else
    redis.call('SADD', k('queues'), queue)
    push_queue('RPUSH', queue, retry_marked(payload, counter), id)
    wake(queue, 100)
  end
  redis.call('INCR', k('pool:stat:retried'))
  return {1, attempt, delay}
end

redis.call('DEL', k(counter), k('failure-' .. counter))
local final = string.gsub(ARGV[4], '}%s*$', ',"retry_attempts":' .. (attempt + 1) .. '}', 1)
fail_entry(final, id)
return {2, attempt, 0}
