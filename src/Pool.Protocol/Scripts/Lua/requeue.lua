-- Put this worker's in-flight job back at the HEAD of its queue (TERM, INT, USR1, a slice).
-- ARGV: ns, worker id, rid, [payload]. Without ARGV[4] the held payload goes back unchanged;
-- with it (an iteration job's checkpoint) that payload goes back instead. Not a death: no
-- pool_attempts change, unless the worker's master charged this very job a death (charge.lua:
-- it stopped the worker for memory while the job ran), which counts as a crash would, up to
-- poison. Returns {queue, payload, 'requeued' | 'poisoned' | 'queue_removed'} or {} when the rid no longer matches.
local id, rid = ARGV[2], ARGV[3]
local inflight = k('pool:inflight:' .. id)
local held = redis.call('HMGET', inflight, 'rid', 'queue', 'payload', 'charged_rid', 'charged_max', 'charged_at')
if held[1] ~= rid or not held[3] then return {} end
local payload = held[3]
if ARGV[4] and ARGV[4] ~= '' then payload = ARGV[4] end
local action = 'requeued'
if held[4] == rid then
  action, payload = charge_death(id, held[2], payload, tonumber(held[5]), held[6])
elseif not put_back(held[2], payload, id) then
  action = 'queue_removed'
end
if action == 'requeued' then redis.call('INCR', k('pool:stat:requeued')) end
redis.call('DEL', inflight, k('worker:' .. id))
return {held[2], payload, action}
