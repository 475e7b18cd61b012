#!/usr/bin/env bash
# Browser test of the console: Debian's headless Chromium, driven by Selenium (from PyPI, in a
# venv under .build/), against the real binary. Build first (`swift build`); scripts/test.sh
# runs this after the Swift tests.
#
#   scripts/browser-test.sh                       # screenshots to .build/browser-screenshots
#   UPDATE_SCREENSHOTS=1 scripts/browser-test.sh  # screenshots to docs/images (for the README)
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
binary=${MESHBOX_BINARY:-.build/debug/meshbox}
if [ ! -x "$binary" ]; then
    echo "no meshbox binary at $binary: run swift build first" >&2
    exit 1
fi

venv=.build/browser-venv
if ! "$venv/bin/python" -c 'import selenium' 2>/dev/null; then
    python=/usr/bin/python3
    [ -x "$python" ] || python=python3
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check 'selenium>=4.20,<5'
fi

screenshots=.build/browser-screenshots
[ "${UPDATE_SCREENSHOTS:-}" = 1 ] && screenshots=docs/images
# The test stops its own processes within its 150 s limit; the outer limit is a backstop
# (SIGTERM first, so that it still cleans up).
exec timeout --kill-after=20 180 "$venv/bin/python" Tests/Browser/console_test.py \
    --binary "$binary" --screenshots "$screenshots"
