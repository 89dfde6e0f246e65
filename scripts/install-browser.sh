#!/bin/sh
# Installs Debian's chromium for the browser tests (tests/test_browser.py drives it
# through Playwright with executable_path=/usr/bin/chromium; Playwright never downloads
# a browser of its own). Safe to run again: it does nothing when chromium is present.
#
# Runs as root on a fresh Debian machine, or as a user with sudo.
set -eu

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
    echo "chromium is already installed: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    AS_ROOT=""
elif command -v sudo >/dev/null 2>&1; then
    AS_ROOT="sudo"
else
    echo "install-browser: run as root or install sudo (apt-get needs root)" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
$AS_ROOT apt-get update
# No recommends (notification daemons, udev, mesa); fonts-liberation so that pages and
# screenshots render text with real metrics rather than fallback boxes.
$AS_ROOT apt-get install -y --no-install-recommends chromium fonts-liberation

"$CHROMIUM" --version
