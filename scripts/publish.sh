#!/usr/bin/env bash
# Builds everything and publishes pool-master, pool-worker, Pool.Samples.dll and the test worker
# side by side into artifacts/bin (the master finds pool-worker beside itself).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${POOL_BIN:-artifacts/bin}"
dotnet build pool.sln -c Release -nologo -clp:ErrorsOnly
for project in src/Pool.Master src/Pool.Worker samples/Pool.Samples tests/Pool.TestWorker; do
  dotnet publish "$project" -c Release --no-build -nologo -o "$OUT" >/dev/null
done
echo "published into $OUT" >&2
