-- A worker died: requeue its in-flight job at the head with pool_attempts+1, or fail it as
-- poison when that reaches the limit; then remove the worker from both registries.
-- Idempotent: a second call finds no in-flight hash and only re-cleans the registry.
-- ARGV: ns, worker id, max attempts, failed_at text, only-if-expired flag. Returns {action, queue, payload, attempts}; action: requeued, queue_removed (its queue
-- was removed: failed as Pool::QueueRemoved, see put_back), poisoned, dirty_exit or none.
local id, max = ARGV[2], tonumber(ARGV[3])
local inflight = k('pool:inflight:' .. id)
-- ARGV[5] == '1': a lease sweep; skip the worker if it renewed its lease since it was looked at.
if ARGV[5] == '1' and redis.call('EXISTS', k('pool:lease:' .. id)) == 1 then return {'alive', '', '', 0} end
local held = redis.call('HMGET', inflight, 'queue', 'payload')
local action, queue, payload, attempts = 'none', '', '', 0

if held[2] then
  queue = held[1]
  -- A job handed to the worker while it was idle and never read (still in its mailbox) did not
  -- kill it: it goes back unchanged, without an attempt.
  if redis.call('LLEN', k('pool:mailbox:' .. id)) == 0 then
    action, payload, attempts = charge_death(id, queue, held[2], max, ARGV[4])
  else
    payload = held[2]
    attempts = tonumber(string.match(payload, '"pool_attempts":(%d+)')) or 0
    action = put_back(queue, payload, id) and 'requeued' or 'queue_removed'
  end
  if action == 'requeued' then redis.call('INCR', k('pool:stat:recovered')) end
  redis.call('DEL', inflight)
else
  -- A foreign worker under this id (no in-flight hash): its job is recorded, never deleted.
  local q, p = dirty_exit(id, ARGV[4])
  if q then action, queue, payload = 'dirty_exit', q, p end
end
unregister(id)
return {action, queue, payload, attempts}
