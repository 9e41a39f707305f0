-- The dashboard overview's queue sizes, summed inside Redis a slice at a time: the queue names
-- never cross the network and a reply is a few numbers, not one LLEN reply per queue. One call
-- reads one SSCAN step of NS:queues (about ARGV[4] names), so no call holds Redis for more than a
-- moment however many queues exist; the caller goes on with the returned cursor until it is 0.
-- ARGV: ns, top n, SSCAN cursor, names per step.
-- Returns {next cursor, jobs, queues seen, queues with jobs, name1, length1, ...}: this slice's n
-- longest queues, longest first, ties by name (byte order).
local n = tonumber(ARGV[2])
local scan = redis.call('SSCAN', k('queues'), ARGV[3], 'COUNT', ARGV[4])
local total, seen, busy = 0, 0, 0
local top = {}
local function before(a, b) return a[2] > b[2] or (a[2] == b[2] and a[1] < b[1]) end
for _, name in ipairs(scan[2]) do
  -- Another app's stray key of the wrong type holds no jobs (a worker sets it aside): 0, not a failed overview.
  local len = redis.pcall('LLEN', k('queue:' .. name))
  if type(len) ~= 'number' then len = 0 end
  total = total + len
  seen = seen + 1
  if len > 0 then busy = busy + 1 end
  local q = {name, len}
  if n > 0 and (#top < n or before(q, top[#top])) then
    local at = #top + 1
    while at > 1 and before(q, top[at - 1]) do at = at - 1 end
    table.insert(top, at, q)
    if #top > n then table.remove(top) end
  end
end
local reply = {scan[1], total, seen, busy}
for _, q in ipairs(top) do
  reply[#reply + 1] = q[1]
  reply[#reply + 1] = q[2]
end
return reply
