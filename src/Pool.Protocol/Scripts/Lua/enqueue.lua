-- ARGV: ns, queue, payload, wake bound, run_at ISO. Returns the queue length afterwards
-- (0 when an idle worker was handed the job).
-- An idle Pool worker of the queue is handed a job directly (hand_off in common.lua); otherwise,
-- or when jobs remain, a wake token tells the next idle worker to reserve.
local queue, payload = ARGV[2], ARGV[3]
add_queue(queue)
local n = redis.call('RPUSH', k('queue:' .. queue), payload)
if hand_off(queue, ARGV[5]) then return 0 end
wake(queue, tonumber(ARGV[4]))
return n
