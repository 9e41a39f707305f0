#!/usr/bin/env bash
# Installs redis-server from Debian's packages when it is missing. Safe to run again.
set -euo pipefail
if command -v redis-server >/dev/null 2>&1; then exit 0; fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "installing redis-server (apt-get)..." >&2
$SUDO apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server >/dev/null
# Debian's package starts a system redis on 6379; Pool never uses it, but leave it as installed.
command -v redis-server >/dev/null
