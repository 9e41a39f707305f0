-- Shared helpers, prepended to every Pool script. ARGV[1] is always the key namespace.
-- Keys are built here rather than passed as KEYS because the queue set is only known inside
-- the script ("*"); that is also why Pool needs standalone Redis or Sentinel, not Cluster.
local ns = ARGV[1]
local function k(rest) return ns .. ':' .. rest end

-- A JSON string literal the way Ruby writes one: only quote, backslash and control bytes
-- are escaped; "/" and UTF-8 stay as they are (cjson would escape "/").
local function jstr(s)
  s = string.gsub(s, '[%z\1-\31"\\]', function(c)
    if c == '"' then return '\\"' elseif c == '\\' then return '\\\\'
    elseif c == '\n' then return '\\n' elseif c == '\r' then return '\\r' elseif c == '\t' then return '\\t'
    else return string.format('\\u%04x', string.byte(c)) end
  end)
  return '"' .. s .. '"'
end

-- A payload embedded in another document: raw when it looks like an object (byte-exact),
-- as a string otherwise, so a bad payload never makes the outer document invalid.
local function embed(payload)
  if string.match(payload, '^%s*{.*}%s*$') then return payload end
  return jstr(payload)
end

-- One wake token per job (n jobs, n tokens), on the queue's wake list and on the one "*" workers
-- wait on, each kept to the bound: tokens are hints, the queue is the truth.
local function wake_many(queue, n, bound)
  n = math.min(n, bound)
  if n <= 0 then return end
  local tokens = {}
  for i = 1, n do tokens[i] = '1' end
  for _, key in ipairs({k('pool:wake:' .. queue), k('pool:wake-any')}) do
    redis.call('RPUSH', key, unpack(tokens))
    redis.call('LTRIM', key, -bound, -1)
  end
end

local function wake(queue, bound) wake_many(queue, 1, bound) end

-- Byte-preserving edit: appends one field (its value already JSON) before the final brace,
-- never re-encoding the payload; a payload that is not an object is returned as it was.
local function append_field(p, field, value)
  local body = string.match(p, '^(.*)}%s*$')
  if not body then return p end
  if string.match(body, '^%s*{%s*$') then return body .. '"' .. field .. '":' .. value .. '}' end
  return body .. ',"' .. field .. '":' .. value .. '}'
end

-- A retry's queued payload carries its resque-retry counter key ("pool_retry"), so the worker
-- that finally runs it to success deletes the counter with its ack (reserve.lua), as
-- resque-retry's after_perform does. Jobs that never failed carry nothing and pay nothing.
-- NS:pool:retry-pending maps a pending delayed retry (Ruby's encoding, which must stay
-- byte-exact and so cannot carry the key) to its counter key, for the move to its queue.
local function retry_marked(payload, counter)
  if not counter or counter == '' then return payload end
  return append_field(payload, 'pool_retry', jstr(counter))
end

-- Resque's failed_at ("2026/12/02 12:48:03 UTC") from the server's clock, for the scripts that
-- are not given one (days to a civil date: H. Hinnant's algorithm).
local function failed_at_now()
  local s = tonumber(redis.call('TIME')[1])
  local z = math.floor(s / 86400) + 719468
  local era = math.floor(z / 146097)
  local doe = z - era * 146097
  local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524) - math.floor(doe / 146096)) / 365)
  local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
  local mp = math.floor((5 * doy + 2) / 153)
  local d = doy - math.floor((153 * mp + 2) / 5) + 1
  local m = mp < 10 and mp + 3 or mp - 9
  local y = yoe + era * 400 + (m <= 2 and 1 or 0)
  local r = s % 86400
  return string.format('%04d/%02d/%02d %02d:%02d:%02d UTC', y, m, d, math.floor(r / 3600), math.floor(r % 3600 / 60), r % 60)
end

-- The type of key NAME when it exists and is not of type KIND, else nil.
local function other_kind(name, kind)
  local t = redis.call('TYPE', k(name))['ok']
  if t ~= kind and t ~= 'none' then return t end
  return nil
end

-- Another app's stray key of the wrong type where Resque keeps a queue, the failed list or a counter is
-- renamed to NS:pool:bad-key:NAME, with a failed entry (Pool::BadKey) that names it, instead of
-- failing the script with WRONGTYPE. In the worker's ack-and-reserve that error came after the
-- job had run, so the worker died unacked and the job ran again, up to its poison limit.
local function set_aside(name, wanted, worker)
  local key, aside = k(name), k('pool:bad-key:' .. name)
  -- A second stray key of the same name keeps the first one's copy.
  if redis.call('EXISTS', aside) == 1 then
    local t = redis.call('TIME')
    aside = aside .. ':' .. t[1] .. string.format('%06d', tonumber(t[2]))
  end
  local kind = redis.call('TYPE', key)['ok']
  redis.call('RENAME', key, aside)
  -- The entry goes to the failed list, which may be a stray key itself.
  if other_kind('failed', 'list') then set_aside('failed', 'a list (the failed list)', worker) end
  redis.call('RPUSH', k('failed'), '{"failed_at":' .. jstr(failed_at_now()) .. ',"payload":null,"exception":"Pool::BadKey","error":' ..
    jstr('the key ' .. key .. ' held a ' .. kind .. ', not ' .. wanted .. ', so no job could use it; it was renamed to ' .. aside .. ': look at it, then delete it') ..
    ',"backtrace":[],"worker":' .. jstr(worker or 'pool') .. ',"queue":""}')
end

-- An error reply that the key's contents caused (WRONGTYPE, a counter that holds no integer);
-- any other (OOM at maxmemory, ...) is Redis refusing the call, which the caller retries.
local function is_error(reply) return type(reply) == 'table' and reply['err'] ~= nil end
local function wrong_kind(reply)
  return is_error(reply) and (string.sub(reply['err'], 1, 9) == 'WRONGTYPE' or string.find(reply['err'], 'not an integer', 1, true) ~= nil)
end

-- COMMAND on Resque's key NAME (a queue, the failed list, a counter), with its arguments. A key
-- of the wrong kind is set aside first and the command runs on the now empty name; any other
-- error (OOM, ...) is raised as it came, by the second call.
local function on_resque_key(name, wanted, worker, command, ...)
  local reply = redis.pcall(command, k(name), ...)
  if not is_error(reply) then return reply end
  if wrong_kind(reply) then set_aside(name, wanted, worker) end
  return redis.call(command, k(name), ...)
end

-- INCR of one of Resque's counters (stat:processed, stat:failed, ...).
local function count(name, worker) on_resque_key(name, 'a counter', worker, 'INCR') end

-- LPUSH/RPUSH onto a queue.
local function push_queue(command, queue, payload, worker) on_resque_key('queue:' .. queue, 'a list (a queue)', worker, command, payload) end

-- SADD of a queue's name to Resque's list of queues, and SMEMBERS of that list.
local queue_list = 'a set (the queue list)'
local function add_queue(queue, worker) on_resque_key('queues', queue_list, worker, 'SADD', queue) end
local function queue_names() return on_resque_key('queues', queue_list, nil, 'SMEMBERS') end

-- RPUSH of an entry onto the failed list.
local function fail_entry(entry, worker) on_resque_key('failed', 'a list (the failed list)', worker, 'RPUSH', entry) end

-- Checks, before a script writes anything, that a delayed job can join second AT: a bucket or
-- reverse index of the wrong type is set aside (as above); a delayed schedule that is no sorted
-- set is the whole schedule, so it is not moved but refused, with the key and the fix, and the
-- caller writes nothing (Redis keeps a script's writes made before an error: a retry that had
-- already dropped the worker's in-flight record was lost when the ZADD failed). Then
-- delayed_add writes the job the way resque-scheduler's delayed_push does.
local function delayed_check(at, job, worker)
  local broken = other_kind('delayed_queue_schedule', 'zset')
  if broken then
    return redis.error_reply('WRONGTYPE the key ' .. k('delayed_queue_schedule') .. ' holds a ' .. broken ..
      ', not a sorted set (resque-scheduler\'s delayed schedule): rename or delete it; nothing was written')
  end
  if other_kind('delayed:' .. at, 'list') then set_aside('delayed:' .. at, 'a list of delayed jobs', worker) end
  if other_kind('timestamps:' .. job, 'set') then set_aside('timestamps:' .. job, 'a set (a delayed job\'s reverse index)', worker) end
  return nil
end

local function delayed_add(at, job)
  local n = redis.call('RPUSH', k('delayed:' .. at), job)
  redis.call('SADD', k('timestamps:' .. job), 'delayed:' .. at)
  redis.call('ZADD', k('delayed_queue_schedule'), at, at)
  -- Only a wake-up (the scheduler polls anyway), and the job is written by now: a user without
  -- pub/sub (ACL -@pubsub, NOPERM) must not fail the script, whose caller would retry and store
  -- the job twice. pcall keeps the refusal from ending the script.
  redis.pcall('PUBLISH', k('pool:scheduler:wake'), at)
  return n
end

-- A job out of its queue (held by a worker that stops, dies or was handed it) goes back to the
-- head of the queue: true. Unless the queue was removed meanwhile (Resque's remove_queue: the
-- list and its name in resque:queues both gone; take() registered the name): putting the
-- job back would bring the queue back and run a job its owner meant to drop, so it goes to the
-- failed list as Pool::QueueRemoved instead, where it can be retried by hand: false. It is
-- never dropped, since it may have run in part.
local function put_back(queue, payload, worker)
  if on_resque_key('queues', queue_list, worker, 'SISMEMBER', queue) == 0 and redis.call('EXISTS', k('queue:' .. queue)) == 0 then
    fail_entry('{"failed_at":' .. jstr(failed_at_now()) .. ',"payload":' .. embed(payload) ..
      ',"exception":"Pool::QueueRemoved","error":' ..
      jstr('its queue ' .. queue .. ' was removed while this job was out of it (running, or reserved by a worker); not put back, so the queue stays removed') ..
      ',"backtrace":[],"worker":' .. jstr(worker or '') .. ',"queue":' .. jstr(queue) .. '}', worker)
    count('stat:failed', worker)
    return false
  end
  push_queue('LPUSH', queue, payload, worker)
  add_queue(queue, worker)
  wake(queue, 100)
  return true
end

-- Idle hand-off. A worker whose reserve found nothing registers as idle: its id joins
-- NS:pool:idle:Q for each Q of its queue list ("*" included) and NS:pool:idler:ID keeps that
-- list. A Pool enqueue takes one idle worker of the queue, reserves for it with the same
-- priority walk as reserve.lua, and pushes the reservation into NS:pool:mailbox:ID, which the
-- worker's idle BLPOP watches first: the job starts one hop after the enqueue instead of two
-- (wake token, then reserve). The mailbox is only a copy: the job is in the worker's in-flight
-- hash from the same script on, so every reserve empties the mailbox (the held-job check hands
-- the job back if the copy was never read), and recovery treats it like any held job.
-- Takes the worker out of the idle sets; returns the queue list it was idle on, or nil.
-- Resque 2's dynamic queues: a name with *, ? or [ (other than "*" alone) is a File.fnmatch
-- pattern over the known queues (resque:queues), as Resque::Worker#queues expands it.
local function is_glob(q) return q ~= '*' and string.find(q, '[%*%?%[]') ~= nil end

-- The fnmatch pattern as an anchored Lua pattern: * any run, ? one character, [abc] [a-z] [!x] [^x]
-- a set; every other character literal.
local function glob_pattern(glob)
  local out, i = {'^'}, 1
  while i <= #glob do
    local c = string.sub(glob, i, i)
    local close = c == '[' and string.find(glob, ']', i + 2, true)
    local set = close and string.sub(glob, i + 1, close - 1)
    -- "[!]" and "[^]" close nothing (fnmatch reads that ']' as a member): the '[' is literal.
    if set == '!' or set == '^' then close = nil end
    if c == '*' then
      out[#out + 1] = '.*'
    elseif c == '?' then
      out[#out + 1] = '.'
    elseif close then
      if string.sub(set, 1, 1) == '!' then set = '^' .. string.sub(set, 2) end
      out[#out + 1] = '[' .. string.gsub(set, '%%', '%%%%') .. ']'
      i = close
    else
      out[#out + 1] = (string.gsub(c, '%W', '%%%0'))
    end
    i = i + 1
  end
  out[#out + 1] = '$'
  return table.concat(out)
end

-- The idle set a worker of queue q joins: a pattern's workers wait with the "*" ones, since an
-- enqueue onto any queue may match them (hand_off then takes only from what they match).
local function idle_set(q) return k('pool:idle:' .. (is_glob(q) and '*' or q)) end

local function deidle(id)
  local key = k('pool:idler:' .. id)
  local stored = redis.call('GET', key)
  if not stored then return nil end
  local queues = {}
  for q in string.gmatch(stored, '[^\n]+') do
    redis.call('SREM', idle_set(q), id)
    queues[#queues + 1] = q
  end
  redis.call('DEL', key)
  return queues
end

-- The idler key expires unless the worker's idle poll renews it, so a worker that stalls while
-- idle (SIGSTOP, a long GC pause) stops being handed jobs within ttlMs instead of hoarding them.
local function go_idle(id, queues, ttlMs)
  for _, q in ipairs(queues) do redis.call('SADD', idle_set(q), id) end
  redis.call('SET', k('pool:idler:' .. id), table.concat(queues, '\n'), 'PX', ttlMs)
end

-- Forget a worker in Resque's registry and in Pool's.
local function unregister(id)
  deidle(id)
  redis.call('SREM', k('workers'), id)
  redis.call('DEL', k('worker:' .. id), k('worker:' .. id .. ':started'),
    k('stat:processed:' .. id), k('stat:failed:' .. id), k('pool:lease:' .. id), k('pool:mailbox:' .. id))
  redis.call('HDEL', k('workers:heartbeat'), id)
  redis.call('SREM', k('pool:workers'), id)
end

-- Queue names in priority order: "*" expands to every known queue, alphabetically, a pattern
-- to the known queues it matches, alphabetically, and a name already listed keeps its first
-- place. Returns the order and whether "*" was in the list (a pattern's misses say nothing of
-- the queues it does not match, so only "*" may clear the any-queue wake list).
local function priority(queues)
  local order, seen, star, all = {}, {}, false, nil
  for _, q in ipairs(queues) do
    if q == '*' or is_glob(q) then
      star = star or q == '*'
      if not all then
        all = queue_names()
        table.sort(all)
      end
      local pattern = q ~= '*' and glob_pattern(q)
      for _, name in ipairs(all) do
        if not seen[name] and (not pattern or string.find(name, pattern)) then seen[name] = true; order[#order + 1] = name end
      end
    elseif not seen[q] then
      seen[q] = true; order[#order + 1] = q
    end
  end
  return order, star
end

-- Pops the first job in priority order for worker `id`, skipping paused queues, and makes it the
-- worker's in-flight job (the in-flight hash and Resque's worker:ID record). Returns
-- {'job', rid, queue, payload}, or nil when every queue is empty.
-- Invariant: a job is always in exactly one place: its queue, a worker's in-flight hash, or the
-- failed list. The in-flight hash is written in the same script that pops the queue, so a
-- worker killed at any instant leaves its job findable. A worker holds one job at a time and
-- only while it runs it: nothing it has not started is hidden from Resque's tools.
local function take(id, rid, queues, runAt)
  local order, star = priority(queues)
  local checkPaused = redis.call('SCARD', k('pool:paused-queues')) > 0
  for _, q in ipairs(order) do
    if not (checkPaused and redis.call('SISMEMBER', k('pool:paused-queues'), q) == 1) then
      local payload = on_resque_key('queue:' .. q, 'a list (a queue)', id, 'LPOP')
      if payload then
        -- The queue's name goes into resque:queues, as Resque's push puts it there (a plain RPUSH
        -- from another producer does not): a job put back later then finds its queue removed
        -- only if someone removed it meanwhile (see put_back). A no-op when it is there already.
        add_queue(q, id)
        redis.call('HSET', k('pool:inflight:' .. id), 'rid', rid, 'queue', q, 'payload', payload, 'run_at', runAt)
        redis.call('SET', k('worker:' .. id),
          '{"queue":' .. jstr(q) .. ',"run_at":' .. jstr(runAt) .. ',"payload":' .. embed(payload) .. '}')
        return {'job', rid, q, payload}
      end
      -- The queue is (now) empty, so any wake tokens for it are stale; dropping them stops idle spins.
      redis.call('DEL', k('pool:wake:' .. q))
    end
  end
  if star then redis.call('DEL', k('pool:wake-any')) end
  return nil
end

-- After a Pool enqueue onto `queue`: hand a job to one live idle worker that takes from it.
-- True when the queue is empty afterwards, so no wake token is needed; false when nobody was
-- handed a job or jobs remain (the worker's priority walk may have taken an older or a
-- higher-priority job), and the caller pushes a wake token as usual.
local function hand_off(queue, runAt)
  if redis.call('GET', k('pause-all-workers')) == 'true' then return false end
  if redis.call('SISMEMBER', k('pool:paused-queues'), queue) == 1 then return false end
  for _, set in ipairs({k('pool:idle:' .. queue), k('pool:idle:*')}) do
    while true do
      local id = redis.call('SRANDMEMBER', set)
      if not id then break end
      local queues = deidle(id)
      -- A member without its queue list is stale (its idle registration expired, or it left);
      -- drop it so the loop moves on.
      if not queues then redis.call('SREM', set, id) end
      -- A worker whose lease ran out is left to the sweep; one that still holds a job is not idle.
      if queues and redis.call('EXISTS', k('pool:lease:' .. id)) == 1
          and redis.call('EXISTS', k('pool:inflight:' .. id)) == 0 then
        local got = take(id, id .. '#h' .. redis.call('INCR', k('pool:handoffs')), queues, runAt)
        if got then
          redis.call('RPUSH', k('pool:mailbox:' .. id), got[2] .. '\n' .. got[3] .. '\n' .. got[4])
          return redis.call('LLEN', k('queue:' .. queue)) == 0
        end
      end
    end
  end
  return false
end

-- Foreign workers (Ruby's rake resque:work, or any command that registers the Resque way) keep
-- their job only in Resque's worker:ID record. When one dies, Pool cannot know whether its job
-- finished (Ruby clears worker:ID only after the job, and may have done the work), so, like
-- Resque's Worker#unregister_worker, it records the job in the failed list as Resque::DirtyExit
-- with Resque's exact fields, and never runs it again unasked. Like Resque there, it counts no
-- stat:failed. Pool's own workers (in NS:pool:workers) are left to their in-flight hash.
-- Returns queue, payload of the recorded job, or nil when there was none.
local function dirty_exit(id, failedAt)
  if redis.call('SISMEMBER', k('pool:workers'), id) == 1 then return nil end
  local record = redis.call('GET', k('worker:' .. id))
  if not record then return nil end
  local ok, doc = pcall(cjson.decode, record)
  if not (ok and type(doc) == 'table') then doc = {} end
  local queue = type(doc.queue) == 'string' and doc.queue or ''
  -- Resque writes the payload last: keep its bytes. Otherwise re-encode it, or keep the record.
  local payload = string.match(record, ',"payload":(.*)}%s*$')
  if not (payload and pcall(cjson.decode, payload)) then
    payload = doc.payload ~= nil and cjson.encode(doc.payload) or record
  end
  fail_entry('{"failed_at":' .. jstr(failedAt) .. ',"payload":' .. embed(payload) ..
    ',"exception":"Resque::DirtyExit","error":"Job still being processed","backtrace":[],"worker":' ..
    jstr(id) .. ',"queue":' .. jstr(queue) .. '}', id)
  redis.call('DEL', k('worker:' .. id))
  return queue, payload
end

-- A death charged to the job PAYLOAD that Pool worker ID held: pool_attempts+1 (a byte-preserving
-- edit, never a re-encode), then back at the head of QUEUE, or into the failed list as poison
-- once the count reaches MAX. Used when a worker died with it (recover.lua) and when its master
-- stopped the worker for memory while it ran (requeue.lua). Returns action, payload, attempts.
local function charge_death(id, queue, payload, max, failedAt)
  local attempts = (tonumber(string.match(payload, '"pool_attempts":(%d+)')) or 0) + 1
  local edited, found = string.gsub(payload, '"pool_attempts":%d+', '"pool_attempts":' .. attempts, 1)
  payload = found > 0 and edited or append_field(payload, 'pool_attempts', attempts)
  if attempts < max then
    return put_back(queue, payload, id) and 'requeued' or 'queue_removed', payload, attempts
  end
  fail_entry('{"failed_at":' .. jstr(failedAt) .. ',"payload":' .. embed(payload) ..
    ',"exception":"Pool::PoisonJob","error":' ..
    jstr('poison job: its worker died (or was stopped for memory) ' .. attempts .. ' times while running it (limit ' .. max .. ', POOL_MAX_ATTEMPTS)') ..
    ',"backtrace":[],"worker":' .. jstr(id) .. ',"queue":' .. jstr(queue) .. '}', id)
  count('stat:failed', id)
  count('stat:processed', id)
  count('pool:stat:poisoned', id)
  return 'poisoned', payload, attempts
end

-- A Ruby worker starting on this host prunes every worker of its queue list whose pid ps does not
-- show as a Resque worker: SREM workers, DEL worker:ID and worker:ID:started, HDEL
-- workers:heartbeat. A live Pool worker puts it all back on its next lease renewal, with its
-- original start time and, when it holds a job, the job record rebuilt from its in-flight hash.
-- One SISMEMBER when nothing was pruned. Returns true when it restored something.
local function restore_registration(id, started, nowIso)
  if redis.call('SISMEMBER', k('workers'), id) == 1 then return false end
  redis.call('SADD', k('workers'), id)
  redis.call('SET', k('worker:' .. id .. ':started'), started)
  redis.call('HSET', k('workers:heartbeat'), id, nowIso)
  local held = redis.call('HMGET', k('pool:inflight:' .. id), 'queue', 'payload', 'run_at')
  if held[2] then
    redis.call('SET', k('worker:' .. id), '{"queue":' .. jstr(held[1]) .. ',"run_at":' ..
      jstr(held[3] or nowIso) .. ',"payload":' .. embed(held[2]) .. '}')
  end
  return true
end
