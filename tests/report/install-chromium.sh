#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# install-chromium.sh - installs Debian's `chromium` (headless browser for the report
# test) when it is missing. Run as root (CI runs as root); prints the browser's path.
# Concurrent calls wait on one lock, so parallel tests do not run apt twice.
set -euo pipefail
find_browser() { command -v chromium || command -v chromium-browser || true; }
b=$(find_browser)
if [ -z "$b" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-chromium: chromium is missing; run as root (or apt-get install chromium)" >&2
    exit 1
  fi
  exec 9>/tmp/vmflow-install-chromium.lock
  flock 9
  b=$(find_browser)
  if [ -z "$b" ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >&2
    b=$(find_browser)
  fi
fi
[ -n "$b" ] || { echo "install-chromium: chromium not found after installing" >&2; exit 1; }
echo "$b"
