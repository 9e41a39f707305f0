#!/usr/bin/env bash
# Installs Debian packages when a file they provide is missing. Safe to run again.
# Usage: ensure-packages.sh PATH PACKAGE [PATH PACKAGE ...]
set -euo pipefail
missing=()
while [ $# -ge 2 ]; do
  if ! command -v "$1" >/dev/null 2>&1 && [ ! -e "$1" ]; then missing+=("$2"); fi
  shift 2
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "installing ${missing[*]} (apt-get)..." >&2
$SUDO apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
