#!/usr/bin/env bash
# Installs redis-server from Debian's packages when it is missing. Safe to run again.
# Debian's package starts a system redis on 6379; Pool never uses it, but leave it as installed.
set -euo pipefail
"$(dirname "$0")/ensure-packages.sh" redis-server redis-server
command -v redis-server >/dev/null
