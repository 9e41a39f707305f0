-- Moves due delayed jobs to their queues, oldest second first, FIFO within a second, at most
-- ARGV[5] jobs per call. One call is atomic: a scheduler killed at any instant, or a Redis that
-- restarts from its AOF, sees every job either still in its bucket (with its reverse-index
-- entry) or in its queue, never both and never neither.
-- The queued payload is the delayed job without its "queue" field, cut from the stored text so
-- the bytes stay Ruby's ({"class":..,"args":..}, as Resque::Job.create writes); a job whose text
-- does not end in Ruby's ',"queue":"Q"}' is re-encoded instead. A job that cannot be read (not
-- JSON, no class, no queue) goes to the failed list with the reason: never dropped silently.
-- ARGV: ns, lock key, lock value ('' = no lease check), now (unix s), max jobs, wake bound,
--       run_at ISO (for an idle worker handed a job), failed_at text.
-- Returns {moved, failed, more}: more = 1 when due jobs remain; moved = -1 when the lease is not ours.
if ARGV[2] ~= '' and redis.call('GET', ARGV[2]) ~= ARGV[3] then return {-1, 0, 0} end
local now, budget, bound = ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6])
local schedule = k('delayed_queue_schedule')
local moved, failed = 0, 0
local perQueue, order = {}, {}
-- Retries Pool scheduled get their counter key in the queued payload (retry_marked); looked up
-- only while some retry is pending, so moving ordinary delayed jobs costs one HLEN per call.
local pending = k('pool:retry-pending')
local retries = redis.call('HLEN', pending) > 0

local function unpack_job(job)
  local ok, doc = pcall(cjson.decode, job)
  if not ok then return nil, nil, 'delayed job is not valid JSON' end
  if type(doc) ~= 'table' then return nil, nil, 'delayed job is not a JSON object' end
  if type(doc.class) ~= 'string' or doc.class == '' then return nil, nil, 'delayed job has no "class" string' end
  if type(doc.queue) ~= 'string' or doc.queue == '' then
    return nil, nil, 'delayed job has no "queue" string (Pool cannot look up a Ruby class\'s @queue)'
  end
  local suffix = ',"queue":' .. jstr(doc.queue) .. '}'
  if #job > #suffix and string.sub(job, -#suffix) == suffix then
    return doc.queue, string.sub(job, 1, #job - #suffix) .. '}'
  end
  local args = '[]'
  if type(doc.args) == 'table' and next(doc.args) ~= nil then args = cjson.encode(doc.args) end
  return doc.queue, '{"class":' .. jstr(doc.class) .. ',"args":' .. args .. '}'
end

local function fail_delayed(payload, err, at)
  fail_entry('{"failed_at":' .. jstr(ARGV[8]) .. ',"payload":' .. payload ..
    ',"exception":"Pool::BadDelayedJob","error":' .. jstr(err .. ' (it was due at ' .. at .. ')') ..
    ',"backtrace":[],"worker":"pool-scheduler","queue":""}')
  count('stat:failed', 'pool-scheduler')
  failed = failed + 1
end

-- A key of another type where a list belongs (a bucket, a queue) is set aside with a failed
-- entry that names it, instead of failing every call with WRONGTYPE: one stray key would
-- otherwise stop every delayed job, retry and recurring entry behind it. Checked once per key.
local listy = {}
local function is_list(key)
  if listy[key] == nil then
    local t = redis.call('TYPE', key)['ok']
    listy[key] = (t == 'list' or t == 'none')
  end
  return listy[key]
end

local more = 0
while true do
  local due = redis.call('ZRANGEBYSCORE', schedule, '-inf', now, 'LIMIT', 0, 1)
  if #due == 0 then break end
  if budget <= 0 then more = 1; break end
  local at = due[1]
  local name = 'delayed:' .. at
  local bucket = k(name)
  if not is_list(bucket) then
    local aside = k('pool:bad-key:' .. name)
    redis.call('RENAME', bucket, aside)
    fail_delayed('null', 'the key ' .. bucket .. ' is a ' .. redis.call('TYPE', aside)['ok'] ..
      ', not a list of delayed jobs; it was renamed to ' .. aside, at)
    listy[bucket] = nil
  end
  local jobs = redis.call('LRANGE', bucket, 0, budget - 1)
  for _, job in ipairs(jobs) do
    redis.call('SREM', k('timestamps:' .. job), name)
    local queue, payload, err = unpack_job(job)
    if queue and retries then
      local counter = redis.call('HGET', pending, job)
      if counter then
        payload = retry_marked(payload, counter)
        if redis.call('EXISTS', k('timestamps:' .. job)) == 0 then redis.call('HDEL', pending, job) end
      end
    end
    if queue and not is_list(k('queue:' .. queue)) then
      queue, err = nil, 'its queue\'s key ' .. k('queue:' .. queue) .. ' is not a list'
    end
    if queue then
      push_queue('RPUSH', queue, payload, 'pool-scheduler')
      if not perQueue[queue] then perQueue[queue] = 0; order[#order + 1] = queue end
      perQueue[queue] = perQueue[queue] + 1
      moved = moved + 1
    else
      fail_delayed(embed(job), err, at)
    end
  end
  budget = budget - #jobs
  if #jobs > 0 then redis.call('LTRIM', bucket, #jobs, -1) end
  if redis.call('LLEN', bucket) == 0 then
    redis.call('DEL', bucket)
    redis.call('ZREM', schedule, at)
  end
end

-- Idle Pool workers of each queue are handed jobs directly (as a Pool enqueue does); the rest
-- are woken with one token per job, bounded.
for _, queue in ipairs(order) do
  add_queue(queue)
  local n = perQueue[queue]
  for _ = 1, n do
    if redis.call('SCARD', k('pool:idle:' .. queue)) + redis.call('SCARD', k('pool:idle:*')) == 0 then break end
    if hand_off(queue, ARGV[7]) then break end
  end
  wake_many(queue, n, bound)
end
return {moved, failed, more}
