-- One entry of NS:failed, changed the way Resque::Failure::Redis does it, but atomically and
-- keyed on the entry's exact text: if another client removed an entry before it, the entry is
-- found again by LPOS instead of hitting whatever now sits at its old index.
-- ARGV: ns, index, entry as read, action, then per action:
--   'retry'  entry with retried_at, queue, payload, wake bound: Failure::Redis.requeue. LSET the
--            marked entry, then enqueue the payload as Pool's enqueue script does (queue set,
--            RPUSH, wake token), so an idle worker starts it at once.
--   'remove' sentinel: Failure::Redis.remove (LSET to a sentinel, LREM it). The sentinel is
--            unique per call, so an old "" left by an interrupted Resque removal is never hit.
-- Returns the entry's index, or -1 when it is gone.
local failed = k('failed')
local idx = tonumber(ARGV[2])
if redis.call('LINDEX', failed, idx) ~= ARGV[3] then
  idx = redis.call('LPOS', failed, ARGV[3])
  if not idx then return -1 end
end
if ARGV[4] == 'retry' then
  local queue = ARGV[6]
  redis.call('LSET', failed, idx, ARGV[5])
  add_queue(queue)
  push_queue('RPUSH', queue, ARGV[7])
  wake(queue, tonumber(ARGV[8]))
elseif ARGV[4] == 'remove' then
  redis.call('LSET', failed, idx, ARGV[5])
  redis.call('LREM', failed, 1, ARGV[5])
else
  return redis.error_reply('failed_edit: unknown action ' .. ARGV[4])
end
return idx
