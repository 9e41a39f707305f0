#!/usr/bin/env bash
# Drains N no-op jobs with 2 pool-workers (run scripts/publish.sh first) and prints jobs/s,
# the Redis cost per script, and the commands/s of one idle worker. Figures only; no pass/fail.
set -euo pipefail
N=${N:-20000}
BIN="$(cd "$(dirname "$0")/.." && pwd)/${POOL_BIN:-artifacts/bin}"
P=$((35000 + RANDOM % 5000))
DIR=$(mktemp -d)
redis-server --port $P --save "" --appendonly no --dir $DIR >/dev/null 2>&1 &
RP=$!
trap 'kill $W1 $W2 $RP 2>/dev/null || true; rm -rf "$DIR"' EXIT
sleep 0.3
export REDIS_URL=redis://127.0.0.1:$P QUEUES=bench POOL_JOBS=$BIN/Pool.Samples.dll
$BIN/pool-worker > $DIR/w1.log 2>&1 & W1=$!
$BIN/pool-worker > $DIR/w2.log 2>&1 & W2=$!
for i in $(seq 1 100); do grep -q "Worker ready" $DIR/w1.log && grep -q "Worker ready" $DIR/w2.log && break; sleep 0.1; done
python3 -c "
import sys
p='{\"class\":\"Noop\",\"args\":[]}'
out=sys.stdout
for i in range($N):
    out.write('*3\r\n\$5\r\nRPUSH\r\n\$3\r\ntmp\r\n\$%d\r\n%s\r\n' % (len(p), p))
" | redis-cli -p $P --pipe >/dev/null
redis-cli -p $P sadd resque:queues bench >/dev/null
start=$(date +%s.%N)
redis-cli -p $P eval "redis.call('RENAME','tmp','resque:queue:bench'); redis.call('RPUSH','resque:pool:wake:bench','1','1'); return 1" 0 >/dev/null
while [ "$(redis-cli -p $P get resque:stat:processed)" != "$N" ]; do sleep 0.01; done
end=$(date +%s.%N)
python3 -c "d=$end-$start; print(f'{$N} jobs in {d:.3f} s = {$N/d:.0f} jobs/s')"
redis-cli -p $P info commandstats | grep -E "evalsha|lpop|hset" | tr -d "\r"
# Idle load: commands/s from one idle worker over 5 s.
kill $W2; sleep 1.5
c1=$(redis-cli -p $P info stats | grep total_commands_processed | tr -dc 0-9)
sleep 5
c2=$(redis-cli -p $P info stats | grep total_commands_processed | tr -dc 0-9)
echo "idle: $(( (c2 - c1 - 1) / 5 )) commands/s from one idle worker (INFO total_commands_processed also counts calls made inside scripts)"
