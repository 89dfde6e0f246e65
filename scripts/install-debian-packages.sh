#!/bin/sh
# Installs the Debian packages named on the command line that are not installed yet:
#   sh scripts/install-debian-packages.sh chromium fonts-liberation   (the browser tests)
#   sh scripts/install-debian-packages.sh wrk                         (bench/web_latency.py)
#   sh scripts/install-debian-packages.sh postgresql                  (tests/pg_cluster.py)
# tests/test_browser.py drives /usr/bin/chromium through Playwright (executable_path);
# Playwright never downloads a browser of its own. Safe to run again: it does nothing
# when every package is present.
#
# Runs as root on a fresh Debian machine, or as a user with sudo.
set -eu

missing=""
for package in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $package"
    fi
done

if [ -z "$missing" ]; then
    echo "already installed: $*"
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    AS_ROOT=""
elif command -v sudo >/dev/null 2>&1; then
    AS_ROOT="sudo"
else
    echo "install-debian-packages: run as root or install sudo (apt-get needs root) to install:$missing" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
$AS_ROOT apt-get update
# No recommends (for chromium: notification daemons, udev, mesa); fonts-liberation gives
# pages and screenshots text with real metrics rather than fallback boxes.
# shellcheck disable=SC2086
$AS_ROOT apt-get install -y --no-install-recommends $missing
