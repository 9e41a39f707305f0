#!/usr/bin/env bash
# Builds everything and publishes pool-master, pool-worker, Pool.Samples.dll and the test worker
# side by side into artifacts/bin (the master finds pool-worker beside itself), with the tests'
# broken job assembly (Pool.BrokenJobs.dll), and the sample jobs' Native AOT worker app into
# artifacts/bin/aot (pool-samples-worker; skipped, with a note, where clang is not installed).
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
# Publish into an empty staging folder beside $OUT (a library left by an older publish can shadow
# the one the current dependency graph asks for), then move the files into $OUT one rename at a
# time: a pool already running from $OUT keeps the files it has open (Linux keeps a renamed-over
# file alive for whoever has it), and a worker it respawns meanwhile still finds its program.
# Deleting $OUT first, as this did, left a running master unable to respawn for a minute.
OUT="${OUT%/}"
STAGE="$(dirname "$OUT")/.$(basename "$OUT").staging"
rm -rf "$STAGE"
mkdir -p "$STAGE"
for project in samples/Pool.Samples tests/Pool.TestWorker tests/Pool.BrokenJobs; do
  step "publishing $project"
  dotnet publish "$project" -c Release --no-build -nologo -o "$STAGE" >/dev/null
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
       -p:PublishReadyToRun=true -nologo -o "$STAGE" >"$log" 2>&1; then
    # A warning of this step must not go unseen either.
    grep -i ': warning ' "$log" >&2 || true
    continue
  fi
  echo "publishing $project without ReadyToRun" >&2
  dotnet publish "$project" -c Release --no-build -nologo -o "$STAGE" >/dev/null
done

# The Native AOT worker app compiles to machine code with clang as its linker (and zlib); where
# they are missing it is left out with a note, since nothing but its tests and bench need it.
if [ -n "$rid" ] && command -v clang >/dev/null && [ -e /usr/include/zlib.h ]; then
  step "publishing samples/Pool.Samples.AotWorker (Native AOT)"
  if ! dotnet publish samples/Pool.Samples.AotWorker -c Release -r "$rid" -nologo -o "$STAGE/aot" >"$log" 2>&1; then
    cat "$log" >&2
    exit 1
  fi
  grep -i ': warning ' "$log" >&2 || true
  # Debug symbols (20 MB) and the libraries' PDBs are of no use beside the binary.
  rm -f "$STAGE/aot/"*.dbg "$STAGE/aot/"*.pdb
else
  echo "publish.sh: not publishing the Native AOT sample worker: it needs clang and zlib1g-dev (apt-get install clang zlib1g-dev)" >&2
fi

step "moving the new files into $OUT"
mkdir -p "$OUT"
(cd "$STAGE" && find . -type d) | while IFS= read -r dir; do mkdir -p "$OUT/$dir"; done
# What the new set does not have goes first (a running process keeps what it has open).
comm -13 <(cd "$STAGE" && find . ! -type d | sort) <(cd "$OUT" && find . ! -type d | sort) |
  while IFS= read -r stale; do rm -f "$OUT/$stale"; done
(cd "$STAGE" && find . ! -type d) | while IFS= read -r file; do mv -f "$STAGE/$file" "$OUT/$file"; done
rm -rf "$STAGE"
step "published into $OUT"
