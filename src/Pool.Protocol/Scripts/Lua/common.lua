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

local function put_back(queue, payload)
  redis.call('LPUSH', k('queue:' .. queue), payload)
  redis.call('SADD', k('queues'), queue)
  wake(queue, 100)
end

-- Forget a worker in Resque's registry and in Pool's.
local function unregister(id)
  redis.call('SREM', k('workers'), id)
  redis.call('DEL', k('worker:' .. id), k('worker:' .. id .. ':started'),
    k('stat:processed:' .. id), k('stat:failed:' .. id), k('pool:lease:' .. id))
  redis.call('HDEL', k('workers:heartbeat'), id)
  redis.call('SREM', k('pool:workers'), id)
end

-- Puts the worker's unstarted prefetched jobs back at the heads of their queues, in order.
local function release_next(id)
  local nextKey = k('pool:inflight:' .. id .. ':next')
  local entries = redis.call('LRANGE', nextKey, 0, -1)
  for i = #entries, 1, -1 do
    local nl = string.find(entries[i], '\n', 1, true)
    put_back(string.sub(entries[i], 1, nl - 1), string.sub(entries[i], nl + 1))
  end
  redis.call('DEL', nextKey)
  return #entries
end
