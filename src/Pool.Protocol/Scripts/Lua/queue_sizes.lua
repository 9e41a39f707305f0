-- The dashboard overview's queue sizes for one chunk of queue names, summed inside Redis: one
-- reply of a few numbers instead of one LLEN reply per queue. The caller sends chunks (about a
-- thousand names each), so no call holds Redis for more than a moment however many queues exist.
-- ARGV: ns, top n, queue names (in the caller's order: ties keep the earlier name).
-- Returns {total jobs, queues with jobs, name1, length1, name2, length2, ...}: the chunk's n longest, longest first.
local n = tonumber(ARGV[2])
local total, busy = 0, 0
local top = {}
for i = 3, #ARGV do
  local len = redis.call('LLEN', k('queue:' .. ARGV[i]))
  total = total + len
  if len > 0 then busy = busy + 1 end
  if n > 0 and (#top < n or len > top[#top][2]) then
    local at = #top + 1
    while at > 1 and top[at - 1][2] < len do at = at - 1 end
    table.insert(top, at, {ARGV[i], len})
    if #top > n then table.remove(top) end
  end
end
local reply = {total, busy}
for _, q in ipairs(top) do
  reply[#reply + 1] = q[1]
  reply[#reply + 1] = q[2]
end
return reply
