#!/usr/bin/env bash
# The whole test suite: installs the system packages the tests need, builds once, checks the
# module dependency rule, runs every test. `.ci/run` calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

# One build configuration for build and test: changing flags between them rebuilds everything.
swift build --build-tests --explicit-target-dependency-import-check error
python3 scripts/check-dependency-rule.py
swift test --skip-build
bash scripts/browser-test.sh
