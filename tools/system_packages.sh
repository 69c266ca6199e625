#!/usr/bin/env bash
# The Debian packages the tests need, installed when missing: Chromium (browser tests), bubblewrap
# (the grading jail), Slurm and munge (the cluster recipe's test starts a one-node cluster), npm
# (`make site` fetches the ipywidgets embedder; a Node that ships its own npm is kept).
# As root (or with sudo) it installs them; otherwise it says which are missing and how to install them.
set -euo pipefail
missing=""
[ -x /usr/bin/chromium ] || missing="chromium"
command -v bwrap >/dev/null || missing="$missing bubblewrap"
{ [ -x /usr/sbin/slurmctld ] && [ -x /usr/sbin/munged ]; } || missing="$missing slurm-wlm munge"
command -v npm >/dev/null || missing="$missing npm"
[ -n "$missing" ] || exit 0
if [ "$(id -u)" -eq 0 ]; then
  sudo=""
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  sudo="sudo"
else
  echo "system packages missing:$missing (the tests that need them will fail or skip);" \
       "install them with: sudo apt-get install$missing" >&2
  exit 0
fi
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q $missing
