-- The scheduler's one command per poll: take or renew resque-scheduler's master lock (the same
-- SETNX-then-EXPIRE and GET-then-EXPIRE as its resilient lock, so a Ruby scheduler and Pool's
-- exclude each other), and read the earliest delayed second. Three commands when we lead.
-- ARGV: ns, lock key, lock value, ttl seconds. Returns {1 if leader else 0, holder or '', earliest second or ''}.
local lock, me, ttl = ARGV[2], ARGV[3], tonumber(ARGV[4])
local holder = redis.call('GET', lock)
if holder == me then
  redis.call('EXPIRE', lock, ttl)
elseif not holder and redis.call('SET', lock, me, 'NX', 'EX', ttl) then
  holder = me
end
local first = redis.call('ZRANGE', k('delayed_queue_schedule'), 0, 0, 'WITHSCORES')
return {holder == me and 1 or 0, holder or '', first[2] or ''}
