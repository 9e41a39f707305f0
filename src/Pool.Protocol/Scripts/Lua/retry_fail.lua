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
local got = redis.pcall('GET', k(counter))
if wrong_kind(got) then
  set_aside(counter, 'a retry counter', id)
  got = false
end
local before = tonumber(got or '') or -1
local attempt = before + 1 + crashes
local retrying = limit < 0 or attempt < limit
local delay, at = 0, nil
if retrying then
  delay = tonumber(ARGV[12 + math.min(attempt + 1, #ARGV - 12)])
  at = tostring(tonumber(ARGV[11]) + delay)
end
-- Every key the writes below need is checked first: nothing is written, the in-flight record
-- included, unless all of them can be.
if retrying and delay > 0 then
  local refused = delayed_check(at, ARGV[8], id)
  if refused then return refused end
end
-- Like fail.lua (and Ruby, whose worker counts the failure whatever the backend does with it).
count('stat:failed', id)
count('stat:failed:' .. id, id)
count('stat:processed', id)
count('stat:processed:' .. id, id)
redis.call('DEL', inflight, k('worker:' .. id))

if retrying then
  -- resque-retry deletes the counter when the job succeeds: so does Pool's ack, for the retry
  -- carries the key (retry_marked). The expiry (an hour after the retry is due) only cleans up
  -- after a retry that Ruby cancelled, or that a Ruby scheduler moved without the key.
  redis.call('SET', k(counter), attempt, 'EX', delay + 3600)
  local queue, payload = ARGV[10], ARGV[9]
  if delay > 0 then
    redis.call('SET', k('failure-' .. counter), ARGV[12], 'EX', 2 * delay)
    redis.call('HSET', k('pool:retry-pending'), ARGV[8], counter)
    delayed_add(at, ARGV[8])
  else
    add_queue(queue, id)
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
