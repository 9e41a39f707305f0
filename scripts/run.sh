#!/usr/bin/env bash
# Runs the pool: pool-master with config/pool.yml and the sample jobs. When REDIS_URL is unset
# it starts a private redis-server (on 6379 when that port is free, as the README's Quick start
# assumes, else on a free local port, and prints the export line for other terminals) and stops
# it after pool-master exits; its data stays in var/redis (POOL_REDIS_DIR) for the next run.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/publish.sh
BIN="$PWD/${POOL_BIN:-artifacts/bin}"
CONFIG="${POOL_CONFIG:-config/pool.yml}"

# The sample jobs unless the caller names its own (check refuses pool-workers without job classes).
export POOL_JOBS="${POOL_JOBS:-$BIN/Pool.Samples.dll}"
# A bad config is reported before Redis is installed or started, judged with the flags run gets
# (-E, -w, --pidfile, ...: check takes run's options).
"$BIN/pool-master" check --config "$CONFIG" "$@" >/dev/null

scripts/ensure-redis.sh

redis_pid=""
cleanup() {
  if [ -n "$redis_pid" ]; then kill "$redis_pid" 2>/dev/null || true; wait "$redis_pid" 2>/dev/null || true; fi
}
trap cleanup EXIT

port_in_use() { (echo >"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if [ -z "${REDIS_URL:-}" ]; then
  port=6379
  if port_in_use "$port"; then
    port=$(( 20000 + RANDOM % 20000 ))
    while port_in_use "$port"; do port=$(( port + 1 )); done
  fi
  # Kept between runs, every write in the append-only file: a job the master put back on TERM
  # or Ctrl-C is there for the next run (in a temporary directory it was deleted with it).
  data_dir="${POOL_REDIS_DIR:-$PWD/var/redis}"
  mkdir -p "$data_dir"
  # Its own session, so Ctrl-C reaches pool-master (which drains gracefully) and not Redis.
  setsid redis-server --port "$port" --bind 127.0.0.1 --dir "$data_dir" --save "" --appendonly yes --appendfsync always >>"$data_dir/redis.log" 2>&1 &
  redis_pid=$!
  for _ in $(seq 1 100); do
    if port_in_use "$port"; then break; fi
    sleep 0.05
  done
  export REDIS_URL="redis://127.0.0.1:$port"
  echo "started a private redis-server at $REDIS_URL (data kept in $data_dir); in another terminal:" >&2
  echo "  export REDIS_URL=$REDIS_URL POOL_JOBS=$BIN/Pool.Samples.dll" >&2
fi

# pool-master takes this process's place (exec), so a signal sent to the script's pid (a
# supervisor's TERM, a Ctrl-C) reaches the master itself, once. The private Redis is stopped by
# a watcher that outlives the master: it ignores the signals and waits for that pid to be gone.
if [ -n "$redis_pid" ]; then
  trap - EXIT
  (
    trap '' HUP INT QUIT TERM USR1 USR2 TTIN TTOU WINCH
    while kill -0 $$ 2>/dev/null; do sleep 0.2; done
    cleanup
  ) </dev/null >/dev/null 2>&1 &
fi
exec "$BIN/pool-master" run --config "$CONFIG" "$@"
