-- An operator acts on one pending retry (a delayed entry with a resque-retry counter).
-- 'now': the entry leaves its bucket and joins its queue at once; the counter stays, so the
-- attempt count goes on (and the queued payload carries its key, for the ack to delete).
-- 'remove': the entry leaves its bucket and the job gives up: its last failure (the suppressed
-- record, else ARGV[8]) goes to the failed list with its attempt count, and the counter and the
-- record are deleted: it ends where its last retry would have.
-- ARGV: ns, mode, encoded delayed job, unix second, counter key ('' for any delayed job: 'now'
--       only), queue, queued payload, fallback failure JSON.
-- Returns 1 when the entry was there, 0 when it was gone (run or removed meanwhile).
local mode, job, at, counter = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
-- A plain "run now" of a delayed job that is a retry Pool scheduled still carries its key.
if counter == '' then counter = redis.call('HGET', k('pool:retry-pending'), job) or '' end
local name = 'delayed:' .. at
if redis.call('LREM', k(name), 1, job) == 0 then return 0 end
-- The index entry goes only when no other copy of the job is left in that second.
if redis.call('LPOS', k(name), job) == false then redis.call('SREM', k('timestamps:' .. job), name) end
if redis.call('EXISTS', k('timestamps:' .. job)) == 0 then redis.call('HDEL', k('pool:retry-pending'), job) end
if redis.call('LLEN', k(name)) == 0 then
  redis.call('DEL', k(name))
  redis.call('ZREM', k('delayed_queue_schedule'), at)
end
if mode == 'now' then
  local queue = ARGV[6]
  add_queue(queue)
  push_queue('RPUSH', queue, retry_marked(ARGV[7], counter))
  wake(queue, 100)
  return 1
end
local attempt = tonumber(redis.call('GET', k(counter)) or '') or 0
local record = redis.call('GET', k('failure-' .. counter)) or ARGV[8]
local final = string.gsub(record, '}%s*$', ',"retry_attempts":' .. (attempt + 1) .. '}', 1)
-- resque-retry's suppressed record stamps failed_at without its zone; the failed list's entries
-- say UTC, as Resque writes them, or resque-web reads the time in its host's zone.
final = string.gsub(final, '("failed_at":"%d%d%d%d/%d%d/%d%d %d%d:%d%d:%d%d)"', '%1 UTC"', 1)
fail_entry(final)
redis.call('DEL', k(counter), k('failure-' .. counter))
return 1
