#!/usr/bin/env bash
# Runs every test. Installs redis-server if missing, builds, publishes the executables the
# process tests drive, then runs the suite. Each test fixture starts its own redis-server.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-redis.sh
# The tests also need tzdata (a log test runs the master in a non-UTC zone) and util-linux (setsid, unshare).
# redis-sentinel drives the failover tests; they start their own sentinels on free ports, never
# the system service the package may start.
scripts/ensure-packages.sh /usr/share/zoneinfo/Asia/Kolkata tzdata setsid util-linux unshare util-linux redis-sentinel redis-sentinel
# The dashboard's browser tests drive Debian's headless chromium (PuppeteerSharp, no browser download).
scripts/ensure-packages.sh /usr/bin/chromium chromium
# The Native AOT sample worker (samples/Pool.Samples.AotWorker) links with clang and zlib.
scripts/ensure-packages.sh /usr/bin/clang clang /usr/include/zlib.h zlib1g-dev
scripts/publish.sh
# The three test projects run side by side and their lines interleave; a failure's name can be
# thousands of lines up. Keep the whole output, and end with every failed test and the first
# lines of its message, so the tail of a CI log says what failed.
log="$(mktemp -t pool-test.XXXXXX)"
trap 'rm -f "$log"' EXIT
status=0
dotnet test pool.sln -c Release --no-build -nologo --logger "console;verbosity=normal" "$@" 2>&1 | tee "$log" || status=$?
if [ "$status" -ne 0 ]; then
  echo "==== failed tests (exit $status) ===="
  grep -E -A 12 '^\s*Failed [A-Za-z_]' "$log" | cut -c1-400 | head -200 || echo "(no failed test named; see the build or run output above)"
fi
exit "$status"
