-- Register a worker in Resque's registry (so resque-web lists it) and in Pool's liveness set.
-- ARGV: ns, worker id, started text, heartbeat ISO, lease ms.
local id = ARGV[2]
redis.call('SADD', k('workers'), id)
redis.call('SET', k('worker:' .. id .. ':started'), ARGV[3])
redis.call('HSET', k('workers:heartbeat'), id, ARGV[4])
redis.call('SADD', k('pool:workers'), id)
redis.call('SET', k('pool:lease:' .. id), '1', 'PX', ARGV[5])
return 1
