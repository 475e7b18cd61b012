#!/usr/bin/env bash
# Runs meshbox with every available role on the embedded store: installs what the build needs,
# builds, and starts `meshbox serve` (extra arguments are passed on, e.g. --data-dir ./data).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
exec swift run meshbox serve "$@"
