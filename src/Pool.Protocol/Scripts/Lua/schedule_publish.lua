-- Publishes pool.yml's recurring entries where resque-scheduler keeps dynamic schedules and
-- resque-web's Schedule tab reads them: persistent_schedules (name -> config JSON), with each
-- changed name SADDed to schedules_changed, as Ruby's set_schedule and remove_schedule do.
-- What Pool wrote is remembered in NS:pool:schedule:published, and only that is ever removed:
-- an entry that Pool published and pool.yml no longer has goes, unless its config is no longer
-- the one Pool wrote (Ruby's set_schedule or resque-web changed it since: it is theirs now).
-- Entries Pool never wrote are never touched, unless pool.yml defines the same name: then
-- pool.yml's config replaces it (it is what Pool fires under that name) and the name is returned.
-- ARGV: ns, lock key ('' = no lease check), lock value, then name, config JSON pairs.
-- Returns {written, removed, name replaced...}, or {-1} when the lease is not ours.
if ARGV[2] ~= '' and redis.call('GET', ARGV[2]) ~= ARGV[3] then return {-1} end
local persistent, published, changed = k('persistent_schedules'), k('pool:schedule:published'), k('schedules_changed')
local wanted, written, removed, replaced = {}, 0, 0, {}
for i = 4, #ARGV - 1, 2 do
  local name, config = ARGV[i], ARGV[i + 1]
  wanted[name] = true
  local current = redis.call('HGET', persistent, name)
  if current ~= config then
    if current and current ~= redis.call('HGET', published, name) then replaced[#replaced + 1] = name end
    redis.call('HSET', persistent, name, config)
    redis.call('SADD', changed, name)
    written = written + 1
  end
  redis.call('HSET', published, name, config)
end
local mine = redis.call('HGETALL', published)
for i = 1, #mine, 2 do
  local name, config = mine[i], mine[i + 1]
  if not wanted[name] then
    if redis.call('HGET', persistent, name) == config then
      redis.call('HDEL', persistent, name)
      redis.call('SADD', changed, name)
      removed = removed + 1
    end
    redis.call('HDEL', published, name)
  end
end
return {written, removed, unpack(replaced)}
