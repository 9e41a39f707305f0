-- The scheduler's one command per poll: take or renew resque-scheduler's master lock (the same
-- SETNX-then-EXPIRE and GET-then-EXPIRE as its resilient lock, so a Ruby scheduler and Pool's
-- exclude each other), and read the earliest delayed second. Three commands when we lead.
-- ARGV: ns, lock key, lock value, ttl seconds.
-- Returns {1 if leader else 0, holder or '', earliest second or '', the delayed schedule's key type
-- when that is no sorted set, else ''}. Such a key is the whole schedule, so it is not set aside:
-- delayed jobs wait until someone fixes it, while the lease and the recurring schedules go on.
local lock, me, ttl = ARGV[2], ARGV[3], tonumber(ARGV[4])
local holder = redis.call('GET', lock)
if holder == me then
  redis.call('EXPIRE', lock, ttl)
elseif not holder and redis.call('SET', lock, me, 'NX', 'EX', ttl) then
  holder = me
end
local broken = other_kind('delayed_queue_schedule', 'zset')
if broken then return {holder == me and 1 or 0, holder or '', '', broken} end
local first = redis.call('ZRANGE', k('delayed_queue_schedule'), 0, 0, 'WITHSCORES')
return {holder == me and 1 or 0, holder or '', first[2] or '', ''}
