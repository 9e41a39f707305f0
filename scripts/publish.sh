#!/usr/bin/env bash
# Builds everything and publishes pool-master, pool-worker, Pool.Samples.dll and the test worker
# side by side into artifacts/bin (the master finds pool-worker beside itself).
# The two executables are published ReadyToRun (precompiled), which cuts a worker's start-up,
# and so the time from a crash to a replacement ready, by about a third. If the ReadyToRun
# compiler cannot be restored, they are published without it.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${POOL_BIN:-artifacts/bin}"
dotnet build pool.sln -c Release -nologo -clp:ErrorsOnly
# Start from an empty folder: a library left by an older publish (or by the other executable's)
# can shadow the one the current dependency graph asks for.
rm -rf "$OUT"
for project in samples/Pool.Samples tests/Pool.TestWorker; do
  dotnet publish "$project" -c Release --no-build -nologo -o "$OUT" >/dev/null
done

case "$(uname -m)" in
  x86_64) rid=linux-x64 ;;
  aarch64|arm64) rid=linux-arm64 ;;
  *) rid="" ;;
esac
for project in src/Pool.Worker.Exe src/Pool.Master; do
  if [ -n "$rid" ] && dotnet publish "$project" -c Release -r "$rid" --self-contained false \
       -p:PublishReadyToRun=true -nologo -o "$OUT" >/dev/null 2>&1; then
    continue
  fi
  echo "publishing $project without ReadyToRun" >&2
  dotnet publish "$project" -c Release --no-build -nologo -o "$OUT" >/dev/null
done
echo "published into $OUT" >&2
