-- ARGV: ns, queue, wake bound, payload... Returns the queue length.
-- One script for a whole batch: SADD queues once, one RPUSH of every payload, and one wake
-- token per job up to the bound (the same tokens enqueue.lua would leave after that many calls).
local queue, bound = ARGV[2], tonumber(ARGV[3])
add_queue(queue)
local n = redis.call('RPUSH', k('queue:' .. queue), unpack(ARGV, 4))
wake_many(queue, #ARGV - 3, bound)
return n
