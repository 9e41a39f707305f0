-- Give back the prefetched jobs this worker has not started (stop, pause, or a slow job).
-- ARGV: ns, worker id. Returns how many went back.
return release_next(ARGV[2])
