# SPDX-License-Identifier: MIT
# Shared helpers of the vmtests scripts: --dry-run command printing, messages,
# the cache folder and the Debian kernel the TCG lab uses. Sourced, not run.
# shellcheck shell=bash

VT_DRY_RUN=${VT_DRY_RUN:-0}
VT_CACHE=${VMFLOW_VMTESTS_CACHE:-/var/tmp/vmflow-vmtests}
export VT_CACHE

vt_die() { echo "${0##*/}: error: $*" >&2; exit 1; }
vt_note() { echo "${0##*/}: $*" >&2; }

# Prints a command in a form that can be pasted into a shell.
vt_print() {
  local out='' a
  for a in "$@"; do
    if [[ $a =~ ^[A-Za-z0-9_./:=,+@%-]+$ ]]; then out+="$a "; else out+="$(printf '%q' "$a") "; fi
  done
  echo "${out% }"
}

# Runs a command, or only prints it under --dry-run.
vt_run() {
  if [ "$VT_DRY_RUN" = 1 ]; then vt_print "$@"; return 0; fi
  "$@"
}

# Runs a shell snippet (pipelines, redirections), or prints it under --dry-run.
vt_sh() {
  if [ "$VT_DRY_RUN" = 1 ]; then echo "$1"; return 0; fi
  bash -c "set -euo pipefail; $1"
}

# The Debian cloud kernel package the TCG lab boots (newest in the apt lists).
vt_kernel_pkg() {
  if [ -n "${VMFLOW_VMTESTS_KPKG:-}" ]; then echo "$VMFLOW_VMTESTS_KPKG"; return; fi
  local k
  k=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
  if [ -z "$k" ] && [ "$(id -u)" = 0 ] && [ "$VT_DRY_RUN" = 0 ]; then
    apt-get update -qq >/dev/null 2>&1 || true   # fresh machine: empty apt lists
    k=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
  fi
  echo "$k"
}

vt_need() {
  local c
  for c in "$@"; do
    command -v "$c" >/dev/null 2>&1 || vt_die "'$c' not found; run vmtests/install-deps.sh"
  done
}
