-- Refresh the liveness lease (and Resque's heartbeat when ARGV[3] is not empty).
-- ARGV: ns, worker id, heartbeat ISO or '', lease ms, started text, now ISO. Returns 0 when the
-- worker was swept (its lease expired and someone recovered it), so the caller registers again.
local id = ARGV[2]
if redis.call('SISMEMBER', k('pool:workers'), id) == 0 then return 0 end
redis.call('SET', k('pool:lease:' .. id), '1', 'PX', ARGV[4])
-- A Ruby worker starting on this host may have pruned us from Resque's registry; come back.
restore_registration(id, ARGV[5], ARGV[6])
if ARGV[3] ~= '' then redis.call('HSET', k('workers:heartbeat'), id, ARGV[3]) end
return 1
