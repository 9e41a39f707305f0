-- ARGV: ns, queue, payload, wake bound. Returns the queue length.
local queue, payload = ARGV[2], ARGV[3]
redis.call('SADD', k('queues'), queue)
local n = redis.call('RPUSH', k('queue:' .. queue), payload)
wake(queue, tonumber(ARGV[4]))
return n
