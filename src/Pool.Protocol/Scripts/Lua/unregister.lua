-- Clean exit. Any job still held goes back to the head of its queue unchanged (a safety net:
-- the worker requeues before it unregisters), then the worker leaves both registries.
-- ARGV: ns, worker id.
local id = ARGV[2]
local inflight = k('pool:inflight:' .. id)
local held = redis.call('HMGET', inflight, 'queue', 'payload')
if held[2] then put_back(held[1], held[2], id) end
redis.call('DEL', inflight)
unregister(id)
return held[2] and 1 or 0
