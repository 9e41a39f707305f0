#!/usr/bin/env bash
# Builds everything and publishes pool-master, pool-worker, Pool.Samples.dll and the test worker
# side by side into artifacts/bin (the master finds pool-worker beside itself).
# The two executables are published ReadyToRun (precompiled), which cuts a worker's start-up,
# and so the time from a crash to a replacement ready, by about a third. If the ReadyToRun
# compiler cannot be restored, they are published without it.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${POOL_BIN:-artifacts/bin}"
# Progress as it goes: one line per project built (minimal verbosity; on a terminal, the SDK's
# live view), then one per publish step. Warnings would show too; there are none.
step() { printf 'publish.sh: %s (%ss)\n' "$1" "$SECONDS" >&2; }
step "building pool.sln"
dotnet build pool.sln -c Release -nologo -v:minimal
# Start from an empty folder: a library left by an older publish (or by the other executable's)
# can shadow the one the current dependency graph asks for.
rm -rf "$OUT"
for project in samples/Pool.Samples tests/Pool.TestWorker; do
  step "publishing $project"
  dotnet publish "$project" -c Release --no-build -nologo -o "$OUT" >/dev/null
done

case "$(uname -m)" in
  x86_64) rid=linux-x64 ;;
  aarch64|arm64) rid=linux-arm64 ;;
  *) rid="" ;;
esac
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for project in src/Pool.Worker.Exe src/Pool.Master; do
  step "publishing $project (ReadyToRun)"
  if [ -n "$rid" ] && dotnet publish "$project" -c Release -r "$rid" --self-contained false \
       -p:PublishReadyToRun=true -nologo -o "$OUT" >"$log" 2>&1; then
    # A warning of this step must not go unseen either.
    grep -i ': warning ' "$log" >&2 || true
    continue
  fi
  echo "publishing $project without ReadyToRun" >&2
  dotnet publish "$project" -c Release --no-build -nologo -o "$OUT" >/dev/null
done
step "published into $OUT"
