-- Ack the previous job (if any) and reserve the next ones, in one round trip.
-- ARGV: ns, worker id, ack rid ('' = none), new rid, now ms, run_at ISO, lease ms, reserve ('1'/'0'),
--       batch size, queues...
-- Returns {'job', rid, queue, payload, rid, queue, payload, ...} | {'empty'} | {'paused'} | {'acked'}
-- With a batch, the first job becomes the current one and the others wait unstarted (see take
-- in common.lua); the worker promotes them one by one with advance.lua, and recovery puts them
-- all back in order. 'empty' registers the worker as idle, so the next Pool enqueue can hand it
-- a job directly (see hand_off); any other answer means it is not idle.
local id, ackRid, rid = ARGV[2], ARGV[3], ARGV[4]
local inflight = k('pool:inflight:' .. id)
if ackRid ~= '' and redis.call('HGET', inflight, 'rid') == ackRid then
  redis.call('DEL', inflight, k('worker:' .. id))
  redis.call('INCR', k('stat:processed'))
  redis.call('INCR', k('stat:processed:' .. id))
end
local leaseMs = tonumber(ARGV[7])
if leaseMs > 0 then redis.call('SET', k('pool:lease:' .. id), '1', 'PX', leaseMs) end
-- Whatever a hand-off left in the mailbox is still in the in-flight hash; that is the truth.
-- The worker stays in the idle sets only while this call finds nothing (an idle worker's poll
-- then costs two commands here, not a leave and a join); every other outcome leaves them.
redis.call('DEL', k('pool:mailbox:' .. id))
if ARGV[8] ~= '1' then
  deidle(id)
  -- Not taking jobs (stopping or paused): a job still held after the ack is one the worker is
  -- not settling (a hand-off it never read, or a reply it lost); it goes back to its queue.
  local stray = redis.call('HMGET', inflight, 'queue', 'payload')
  release_next(id)
  if stray[2] then
    put_back(stray[1], stray[2])
    redis.call('DEL', inflight, k('worker:' .. id))
  end
  return {'acked'}
end

-- A reply that was lost (Redis restarted, connection dropped) left a job here: hand it back.
local nextKey = k('pool:inflight:' .. id .. ':next')
local held = redis.call('HMGET', inflight, 'rid', 'queue', 'payload')
if held[1] then
  deidle(id)
  local out = {'job', held[1], held[2], held[3]}
  for i, entry in ipairs(redis.call('LRANGE', nextKey, 0, -1)) do
    local nl = string.find(entry, '\n', 1, true)
    out[#out + 1] = held[1] .. '+' .. i
    out[#out + 1] = string.sub(entry, 1, nl - 1)
    out[#out + 1] = string.sub(entry, nl + 1)
  end
  return out
end
if redis.call('GET', k('pause-all-workers')) == 'true' then
  deidle(id)
  return {'paused'}
end

local queues = {}
for i = 10, #ARGV do queues[#queues + 1] = ARGV[i] end
local out = take(id, rid, queues, tonumber(ARGV[9]), ARGV[5], ARGV[6])
if out then
  deidle(id)
  return out
end
if redis.call('EXISTS', k('pool:idler:' .. id)) == 0 then go_idle(id, queues) end
return {'empty'}
