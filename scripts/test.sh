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
scripts/publish.sh
dotnet test pool.sln -c Release --no-build -nologo --logger "console;verbosity=normal" "$@"
