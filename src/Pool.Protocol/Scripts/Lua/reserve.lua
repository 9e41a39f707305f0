-- Ack the previous job (if any) and reserve the next one, in one round trip. The worker awaits
-- the reply before it starts anything, so an ack is in Redis before the next job runs: a kill at
-- any instant re-runs at most the one job whose ack was on its way.
-- ARGV: ns, worker id, ack rid ('' = none), new rid, run_at ISO, lease ms (0 = renewed
--       lately, leave it), reserve ('1'/'0'), idle ttl ms, was idle ('1'/'0'), the acked
--       job's resque-retry counter key ('' = none: it was no retry), queues...
-- Returns {'job', rid, queue, payload} | {'empty'} | {'paused'} | {'acked'} | {'swept'}
-- 'empty' registers the worker as idle, so the next Pool enqueue can hand it a job directly
-- (see hand_off); any other answer means it is not idle. 'swept': a recovery found this worker's
-- lease expired and took its job back; it acks and reserves nothing until it registers again,
-- or a job it took now could be stranded by a worker no sweep knows of.
-- The hot path (a busy worker: the ack matches, and it was not idle) runs 9 commands: the acked
-- job's records are overwritten by the next job's (the in-flight hash only ever has the four
-- fields take() writes), and deleted only when no job follows; the ninth, take()'s SADD of the
-- queue's name, lets a removed queue stay removed (put_back).
local id, ackRid, rid = ARGV[2], ARGV[3], ARGV[4]
local inflight = k('pool:inflight:' .. id)
local acked = false
if ackRid ~= '' and redis.call('HGET', inflight, 'rid') == ackRid then
  count('stat:processed', id)
  count('stat:processed:' .. id, id)
  -- A retry that succeeded: resque-retry's after_perform deletes its counter (and Pool its
  -- suppressed failure). Only a retry's payload names one (retry_marked), so only it pays.
  local counter = ARGV[10]
  if counter ~= '' and string.sub(counter, 1, 13) == 'resque-retry:' then
    redis.call('DEL', k(counter), k('failure-' .. counter))
  end
  acked = true
-- A recovery deletes the in-flight record, so a matching ack proves the worker was not swept.
elseif redis.call('SISMEMBER', k('pool:workers'), id) == 0 then
  return {'swept'}
end
-- Every answer but a new job leaves the worker holding nothing: the acked job's records go.
local function forget_acked() if acked then redis.call('DEL', inflight, k('worker:' .. id)) end end
-- A worker that was not idle since its last reserve was in no idle set, so no enqueue can have
-- handed it a job: its mailbox is empty and there is nothing to leave.
local wasIdle = ARGV[9] == '1'
local function leave_idle() if wasIdle then deidle(id) end end
local leaseMs = tonumber(ARGV[6])
if leaseMs > 0 then redis.call('SET', k('pool:lease:' .. id), '1', 'PX', leaseMs) end
-- Whatever a hand-off left in the mailbox is still in the in-flight hash; that is the truth.
-- The worker stays in the idle sets only while this call finds nothing (an idle worker's poll
-- then renews its registration, not a leave and a join); every other outcome leaves them.
if wasIdle then redis.call('DEL', k('pool:mailbox:' .. id)) end
-- Just acked: nothing is held. Otherwise a lost reply or an unread hand-off may have left a job.
local held = acked and {} or redis.call('HMGET', inflight, 'rid', 'queue', 'payload')
if ARGV[7] ~= '1' then
  deidle(id)
  -- Not taking jobs (stopping or paused): a job still held after the ack is one the worker is
  -- not settling (a hand-off it never read, or a reply it lost); it goes back to its queue.
  if held[3] then
    put_back(held[2], held[3], id)
    redis.call('DEL', inflight, k('worker:' .. id))
  end
  forget_acked()
  return {'acked'}
end

-- A reply that was lost (Redis restarted, connection dropped) left a job here: hand it back.
if held[1] then
  leave_idle()
  return {'job', held[1], held[2], held[3]}
end
if redis.call('GET', k('pause-all-workers')) == 'true' then
  leave_idle()
  forget_acked()
  return {'paused'}
end

local queues = {}
for i = 11, #ARGV do queues[#queues + 1] = ARGV[i] end
local out = take(id, rid, queues, ARGV[5])
if out then
  leave_idle()
  return out
end
forget_acked()
local idleTtl = tonumber(ARGV[8])
if redis.call('PEXPIRE', k('pool:idler:' .. id), idleTtl) == 0 then go_idle(id, queues, idleTtl) end
return {'empty'}
