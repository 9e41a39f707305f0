-- Ack the previous job (if any) and reserve the next ones, in one round trip.
-- ARGV: ns, worker id, ack rid ('' = none), new rid, now ms, run_at ISO, lease ms, reserve ('1'/'0'),
--       batch size, queues...
-- Returns {'job', rid, queue, payload, rid, queue, payload, ...} | {'empty'} | {'paused'} | {'acked'}
-- With a batch, the first job becomes the current one (the in-flight hash) and the others wait,
-- unstarted, in the in-flight list NS:pool:inflight:ID:next as "queue\npayload" entries. The
-- worker promotes them one by one with advance.lua; recovery puts them all back in order.
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
local nextKey = k('pool:inflight:' .. id .. ':next')
local held = redis.call('HMGET', inflight, 'rid', 'queue', 'payload')
if held[1] then
  local out = {'job', held[1], held[2], held[3]}
  for i, entry in ipairs(redis.call('LRANGE', nextKey, 0, -1)) do
    local nl = string.find(entry, '\n', 1, true)
    out[#out + 1] = held[1] .. '+' .. i
    out[#out + 1] = string.sub(entry, 1, nl - 1)
    out[#out + 1] = string.sub(entry, nl + 1)
  end
  return out
end
if redis.call('GET', k('pause-all-workers')) == 'true' then return {'paused'} end

local order, seen, star = {}, {}, false
for i = 10, #ARGV do
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

local want = tonumber(ARGV[9])
local out = {'job'}
local checkPaused = redis.call('SCARD', k('pool:paused-queues')) > 0
for _, q in ipairs(order) do
  if not (checkPaused and redis.call('SISMEMBER', k('pool:paused-queues'), q) == 1) then
    local got = redis.call('LPOP', k('queue:' .. q), want)
    if got then
      for _, payload in ipairs(got) do
        local n = (#out - 1) / 3 + 1
        if n == 1 then
          redis.call('HSET', inflight, 'rid', rid .. '.1', 'queue', q, 'payload', payload, 'started', ARGV[5])
          redis.call('SET', k('worker:' .. id),
            '{"queue":' .. jstr(q) .. ',"run_at":' .. jstr(ARGV[6]) .. ',"payload":' .. embed(payload) .. '}')
        else
          redis.call('RPUSH', nextKey, q .. '\n' .. payload)
        end
        out[#out + 1] = rid .. '.' .. n
        out[#out + 1] = q
        out[#out + 1] = payload
      end
      want = want - #got
      if want <= 0 then return out end
    end
    -- The queue is (now) empty, so any wake tokens for it are stale; dropping them stops idle spins.
    redis.call('DEL', k('pool:wake:' .. q))
  end
end
if star then redis.call('DEL', k('pool:wake-any')) end
if #out > 1 then return out end
return {'empty'}
