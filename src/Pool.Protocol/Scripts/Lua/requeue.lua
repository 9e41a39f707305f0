-- Put this worker's in-flight job back at the HEAD of its queue (TERM, INT, USR1, a slice).
-- ARGV: ns, worker id, rid, [payload]. Without ARGV[4] the held payload goes back unchanged;
-- with it (an iteration job's checkpoint) that payload goes back instead. Not a death: no
-- pool_attempts change. Returns {queue, payload} or {} when the rid no longer matches.
local id, rid = ARGV[2], ARGV[3]
local inflight = k('pool:inflight:' .. id)
local held = redis.call('HMGET', inflight, 'rid', 'queue', 'payload')
if held[1] ~= rid or not held[3] then return {} end
local payload = held[3]
if ARGV[4] and ARGV[4] ~= '' then payload = ARGV[4] end
put_back(held[2], payload)
redis.call('INCR', k('pool:stat:requeued'))
redis.call('DEL', inflight, k('worker:' .. id))
return {held[2], payload}
