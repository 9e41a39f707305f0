-- Ack the current job and promote the next prefetched one to current. Sent without waiting for
-- the reply (pipelined), so a batch costs one awaited round trip, not one per job. Redis runs a
-- connection's commands in order, so a later fail or requeue always sees this promotion.
-- ARGV: ns, worker id, ack rid ('' = none), rid for the promoted job, now ms, run_at ISO.
local id, ackRid = ARGV[2], ARGV[3]
local inflight = k('pool:inflight:' .. id)
-- The hot path (ack matched, next entry present) overwrites the in-flight hash and the
-- registry string instead of deleting them first: every field is rewritten anyway.
if ackRid ~= '' and redis.call('HGET', inflight, 'rid') == ackRid then
  redis.call('INCR', k('stat:processed'))
  redis.call('INCR', k('stat:processed:' .. id))
elseif redis.call('EXISTS', inflight) == 1 then
  return 0
end
local entry = redis.call('LPOP', k('pool:inflight:' .. id .. ':next'))
if not entry then
  redis.call('DEL', inflight, k('worker:' .. id))
  return 0
end
local nl = string.find(entry, '\n', 1, true)
local q, payload = string.sub(entry, 1, nl - 1), string.sub(entry, nl + 1)
redis.call('HSET', inflight, 'rid', ARGV[4], 'queue', q, 'payload', payload, 'started', ARGV[5])
redis.call('SET', k('worker:' .. id), '{"queue":' .. jstr(q) .. ',"run_at":' .. jstr(ARGV[6]) .. ',"payload":' .. embed(payload) .. '}')
return 1
