#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the Debian 12 packages vmflow needs to build and test (run as root).
# Skips apt entirely when everything is already installed.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libbabeltrace2-dev babeltrace2
  libxml2-dev libxml2-utils
  libcmocka-dev libyaml-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}; run as root (or with sudo)" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
