-- A child of pool-master died; besides its Pool registration (recover.lua), find the Resque
-- registrations of its pids on this host (a foreign worker's id is host:pid:queues, and its queue
-- list may differ from the group's) and record their jobs as Resque::DirtyExit (see dirty_exit),
-- then remove those registrations. Never deletes a job. Pool's own workers are skipped.
-- ARGV: ns, host, failed_at text, pid... Returns {id, queue, payload, ...} for each recorded job.
local host, failedAt = ARGV[2], ARGV[3]
local pids = {}
for i = 4, #ARGV do pids[ARGV[i]] = true end
local prefix = host .. ':'
local out = {}
for _, id in ipairs(redis.call('SMEMBERS', k('workers'))) do
  if string.sub(id, 1, #prefix) == prefix then
    local pid = string.match(string.sub(id, #prefix + 1), '^(%d+):')
    if pid and pids[pid] and redis.call('SISMEMBER', k('pool:workers'), id) == 0 then
      local queue, payload = dirty_exit(id, failedAt)
      if queue then
        out[#out + 1] = id
        out[#out + 1] = queue
        out[#out + 1] = payload
      end
      unregister(id)
    end
  end
end
return out
