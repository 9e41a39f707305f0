-- Fires one occurrence of a recurring entry, at most once across every master and restart: the
-- last fired occurrence per entry is kept in NS:pool:schedule:last-fire, and an occurrence at or
-- before it is refused. Mode 'skip' only records the occurrence (a missed one, policy skip).
-- ARGV: ns, lock key ('' = no lease check, for `schedule run`), lock value, entry name,
--       occurrence (unix s), mode ('fire' or 'skip'), queue, payload, Ruby Time#to_s text, run_at ISO.
-- Returns 1 fired (or recorded), 0 already done, -1 the lease is not ours.
if ARGV[2] ~= '' and redis.call('GET', ARGV[2]) ~= ARGV[3] then return -1 end
local name, occurrence = ARGV[4], tonumber(ARGV[5])
local last = tonumber(redis.call('HGET', k('pool:schedule:last-fire'), name) or '')
if last and last >= occurrence then return 0 end
redis.call('HSET', k('pool:schedule:last-fire'), name, ARGV[5])
if ARGV[6] == 'skip' then return 1 end
local queue = ARGV[7]
add_queue(queue)
push_queue('RPUSH', queue, ARGV[8], 'pool-scheduler')
if not hand_off(queue, ARGV[10]) then wake(queue, 100) end
-- Where resque-web's Schedule tab shows "Last Enqueued".
on_resque_key('delayed:last_enqueued_at', 'a hash (resque-scheduler\'s last enqueued times)', 'pool-scheduler', 'HSET', name, ARGV[9])
return 1
