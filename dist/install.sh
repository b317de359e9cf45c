#!/bin/sh
# Install Rampart as the user-separated system service (CLI-033): a thin wrapper around
# `rampart serve install --system`, which does the work and is idempotent.
#
#   sudo dist/install.sh [--agent-user USER] [--dry-run]
#
# The binary comes from RAMPART_BIN, else ./publish/rampart (dotnet publish src/Rampart -c Release
# -r linux-x64 -o publish), else the rampart on PATH. Under sudo the agent user defaults to the
# account that called sudo.
set -eu

bin=${RAMPART_BIN:-}
if [ -z "$bin" ]; then
  here=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
  if [ -x "$here/publish/rampart" ]; then
    bin=$here/publish/rampart
  elif command -v rampart >/dev/null 2>&1; then
    bin=$(command -v rampart)
  else
    echo "install.sh: no rampart binary found; build it with: dotnet publish src/Rampart -c Release -r linux-x64 -o publish" >&2
    exit 1
  fi
fi

dry_run=no
for arg in "$@"; do [ "$arg" = "--dry-run" ] && dry_run=yes; done
if [ "$dry_run" = no ] && [ "$(id -u)" -ne 0 ]; then
  echo "install.sh: run as root, e.g. sudo $0 $*" >&2
  exit 1
fi

exec "$bin" serve install --system "$@"
