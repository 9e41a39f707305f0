-- Put this worker's in-flight job back at the HEAD of its queue, unchanged (TERM, INT, USR1).
-- ARGV: ns, worker id, rid. Returns {queue, payload} or {} when the rid no longer matches.
local id, rid = ARGV[2], ARGV[3]
local inflight = k('pool:inflight:' .. id)
local held = redis.call('HMGET', inflight, 'rid', 'queue', 'payload')
if held[1] ~= rid or not held[3] then return {} end
put_back(held[2], held[3])
redis.call('INCR', k('pool:stat:requeued'))
redis.call('DEL', inflight, k('worker:' .. id))
return {held[2], held[3]}
