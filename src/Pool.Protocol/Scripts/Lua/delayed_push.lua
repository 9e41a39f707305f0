-- resque-scheduler's delayed_push, in one atomic step (Ruby makes three separate writes):
-- the job joins the bucket of its second, the reverse index names that bucket, and the second
-- joins the schedule. Then the leader is told, so it re-plans its next wake-up at once.
-- ARGV: ns, unix second, encoded job. Returns the bucket's length.
local at, job = ARGV[2], ARGV[3]
local refused = delayed_check(at, job, 'pool')
if refused then return refused end
return delayed_add(at, job)
