-- A worker died: requeue its in-flight job at the head with pool_attempts+1, or fail it as
-- poison when that reaches the limit; then remove the worker from both registries.
-- Idempotent: a second call finds no in-flight hash and only re-cleans the registry.
-- ARGV: ns, worker id, max attempts, failed_at text, only-if-expired flag. Returns {action, queue, payload, attempts}.
local id, max = ARGV[2], tonumber(ARGV[3])
local inflight = k('pool:inflight:' .. id)
-- ARGV[5] == '1': a lease sweep; skip the worker if it renewed its lease since it was looked at.
if ARGV[5] == '1' and redis.call('EXISTS', k('pool:lease:' .. id)) == 1 then return {'alive', '', '', 0} end
local held = redis.call('HMGET', inflight, 'queue', 'payload')
local action, queue, payload, attempts = 'none', '', '', 0

-- Byte-preserving edit: replace or append one field before the final brace, never re-encode.
local function with_attempts(p, n)
  local s, c = string.gsub(p, '"pool_attempts":%d+', '"pool_attempts":' .. n, 1)
  if c > 0 then return s end
  return append_field(p, 'pool_attempts', n)
end

if held[2] then
  queue = held[1]
  attempts = tonumber(string.match(held[2], '"pool_attempts":(%d+)')) or 0
  -- A job handed to the worker while it was idle and never read (still in its mailbox) did not
  -- kill it: it goes back unchanged, without an attempt.
  local read = redis.call('LLEN', k('pool:mailbox:' .. id)) == 0
  payload = held[2]
  if read then
    attempts = attempts + 1
    payload = with_attempts(held[2], attempts)
  end
  if read and attempts >= max then
    action = 'poisoned'
    local failure = '{"failed_at":' .. jstr(ARGV[4]) .. ',"payload":' .. embed(payload) ..
      ',"exception":"Pool::PoisonJob","error":' ..
      jstr('poison job: its worker died ' .. attempts .. ' times while running it (limit ' .. max .. ', POOL_MAX_ATTEMPTS)') ..
      ',"backtrace":[],"worker":' .. jstr(id) .. ',"queue":' .. jstr(queue) .. '}'
    redis.call('RPUSH', k('failed'), failure)
    redis.call('INCR', k('stat:failed'))
    redis.call('INCR', k('stat:processed'))
    redis.call('INCR', k('pool:stat:poisoned'))
  else
    action = 'requeued'
    put_back(queue, payload)
    redis.call('INCR', k('pool:stat:recovered'))
  end
  redis.call('DEL', inflight)
else
  -- A foreign worker under this id (no in-flight hash): its job is recorded, never deleted.
  local q, p = dirty_exit(id, ARGV[4])
  if q then action, queue, payload = 'dirty_exit', q, p end
end
unregister(id)
return {action, queue, payload, attempts}
