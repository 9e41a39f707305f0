-- ARGV: ns, queue, wake bound, payload... Returns the queue length.
-- One script for a whole batch: SADD queues once, one RPUSH of every payload, and one wake
-- token per job up to the bound (the same tokens enqueue.lua would leave after that many calls).
local queue, bound = ARGV[2], tonumber(ARGV[3])
redis.call('SADD', k('queues'), queue)
local n = redis.call('RPUSH', k('queue:' .. queue), unpack(ARGV, 4))
local tokens = {}
for i = 1, math.min(#ARGV - 3, bound) do tokens[i] = '1' end
for _, key in ipairs({k('pool:wake:' .. queue), k('pool:wake-any')}) do
  redis.call('RPUSH', key, unpack(tokens))
  redis.call('LTRIM', key, -bound, -1)
end
return n
