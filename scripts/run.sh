#!/usr/bin/env bash
# Runs the pool: pool-master with config/pool.yml and the sample jobs. When REDIS_URL is unset
# it starts a private redis-server on a free local port and stops it afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-redis.sh
scripts/publish.sh
BIN="$PWD/${POOL_BIN:-artifacts/bin}"

redis_pid=""
cleanup() { if [ -n "$redis_pid" ]; then kill "$redis_pid" 2>/dev/null || true; fi; }
trap cleanup EXIT

if [ -z "${REDIS_URL:-}" ]; then
  port=$(( 20000 + RANDOM % 20000 ))
  while (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$(( port + 1 )); done
  data_dir=$(mktemp -d)
  # Its own session, so Ctrl-C reaches pool-master (which drains gracefully) and not Redis.
  setsid redis-server --port "$port" --bind 127.0.0.1 --dir "$data_dir" --save "" --appendonly no >"$data_dir/redis.log" 2>&1 &
  redis_pid=$!
  for _ in $(seq 1 100); do
    if (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
    sleep 0.05
  done
  export REDIS_URL="redis://127.0.0.1:$port"
  echo "started a private redis-server at $REDIS_URL" >&2
fi

export POOL_JOBS="${POOL_JOBS:-$BIN/Pool.Samples.dll}"
"$BIN/pool-master" run --config "${POOL_CONFIG:-config/pool.yml}" "$@"
