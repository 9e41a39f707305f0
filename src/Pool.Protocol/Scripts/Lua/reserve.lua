-- Ack the previous job (if any) and reserve the next one, in one round trip.
-- ARGV: ns, worker id, ack rid ('' = none), new rid, now ms, run_at ISO, lease ms, reserve ('1'/'0'), queues...
-- Returns {'job', rid, queue, payload} | {'held', rid, queue, payload} | {'empty'} | {'paused'} | {'acked'}
-- Invariant: a job is always in exactly one place: its queue, this worker's in-flight hash, or
-- the failed list. The in-flight hash is written in the same script that pops the queue, so a
-- worker killed at any instant leaves its job findable.
local id, ackRid, rid = ARGV[2], ARGV[3], ARGV[4]
local inflight = k('pool:inflight:' .. id)
if ackRid ~= '' and redis.call('HGET', inflight, 'rid') == ackRid then
  redis.call('DEL', inflight, k('worker:' .. id))
  redis.call('INCR', k('stat:processed'))
  redis.call('INCR', k('stat:processed:' .. id))
end
local leaseMs = tonumber(ARGV[7])
if leaseMs > 0 then redis.call('SET', k('pool:lease:' .. id), '1', 'PX', leaseMs) end
if ARGV[8] ~= '1' then return {'acked'} end

-- A reply that was lost (Redis restarted, connection dropped) left a job here: hand it back.
local held = redis.call('HMGET', inflight, 'rid', 'queue', 'payload')
if held[1] then return {'held', held[1], held[2], held[3]} end
if redis.call('GET', k('pause-all-workers')) == 'true' then return {'paused'} end

local order, seen, star = {}, {}, false
for i = 9, #ARGV do
  local q = ARGV[i]
  if q == '*' then
    star = true
    local all = redis.call('SMEMBERS', k('queues'))
    table.sort(all)
    for _, name in ipairs(all) do
      if not seen[name] then seen[name] = true; order[#order + 1] = name end
    end
  elseif not seen[q] then
    seen[q] = true; order[#order + 1] = q
  end
end

local checkPaused = redis.call('SCARD', k('pool:paused-queues')) > 0
for _, q in ipairs(order) do
  if not (checkPaused and redis.call('SISMEMBER', k('pool:paused-queues'), q) == 1) then
    local payload = redis.call('LPOP', k('queue:' .. q))
    if payload then
      redis.call('HSET', inflight, 'rid', rid, 'queue', q, 'payload', payload, 'started', ARGV[5])
      redis.call('SET', k('worker:' .. id),
        '{"queue":' .. jstr(q) .. ',"run_at":' .. jstr(ARGV[6]) .. ',"payload":' .. embed(payload) .. '}')
      return {'job', rid, q, payload}
    end
    -- The queue is empty, so any wake tokens for it are stale; dropping them stops idle spins.
    redis.call('DEL', k('pool:wake:' .. q))
  end
end
if star then redis.call('DEL', k('pool:wake-any')) end
return {'empty'}
