-- Clear a pause and wake idle workers for what waits, so jobs start at once rather than at the
-- workers' fallback poll. ARGV: ns, wake bound, queues... Without queues: the global flag, then
-- every known queue. With queues: those come off Pool's paused set and are woken, unless the
-- global flag still holds (a worker woken then would only find it and go back to sleep).
-- A queue still paused on its own gets no tokens. Returns how many jobs the tokens cover.
local bound = tonumber(ARGV[2])
local queues = {}
if #ARGV < 3 then
  redis.call('DEL', k('pause-all-workers'))
  queues = queue_names()
else
  for i = 3, #ARGV do
    redis.call('SREM', k('pool:paused-queues'), ARGV[i])
    queues[#queues + 1] = ARGV[i]
  end
  if redis.call('GET', k('pause-all-workers')) == 'true' then return 0 end
end
local covered = 0
for _, q in ipairs(queues) do
  if redis.call('SISMEMBER', k('pool:paused-queues'), q) == 0 then
    local len = redis.pcall('LLEN', k('queue:' .. q))
    local n = math.min(type(len) == 'number' and len or 0, bound)
    wake_many(q, n, bound)
    covered = covered + n
  end
end
return covered
